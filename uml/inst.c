/* placeholder until this module lands */
#include "config.h"
int inst_placeholder;
