/* placeholder until this module lands */
#include "config.h"
int conf_placeholder;
