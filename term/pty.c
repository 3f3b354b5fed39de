/* placeholder until this module lands */
#include "config.h"
int pty_placeholder;
