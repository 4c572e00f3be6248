#ifndef MARKING_CZINT_SHIM_H
#define MARKING_CZINT_SHIM_H

#include <zint.h>

#endif
