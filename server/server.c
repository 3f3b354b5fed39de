/* placeholder until this module lands */
#include "config.h"
int server_placeholder;
