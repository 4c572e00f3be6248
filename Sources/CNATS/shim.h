#ifndef MARKING_CNATS_SHIM_H
#define MARKING_CNATS_SHIM_H

#include <nats/nats.h>

#endif
