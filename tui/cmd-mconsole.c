#include "config.h"
#include <stdio.h>
#include "tui/tui.h"
int tui_cmd_mconsole(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "umltop mconsole: not built yet\n"); return 2; }
