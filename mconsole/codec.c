/* placeholder until this module lands */
#include "config.h"
int codec_placeholder;
