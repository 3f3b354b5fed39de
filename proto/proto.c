/* placeholder until this module lands */
#include "config.h"
int proto_placeholder;
