#ifndef MARKING_CROCKSDB_SHIM_H
#define MARKING_CROCKSDB_SHIM_H

#include <rocksdb/c.h>

#endif
