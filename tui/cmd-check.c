#include "config.h"
#include <stdio.h>
#include "tui/tui.h"
int tui_cmd_check(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "umltop check: not built yet\n"); return 2; }
