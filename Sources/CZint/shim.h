#ifndef MARKING_CZINT_SHIM_H
#define MARKING_CZINT_SHIM_H

#include <zint.h>

/* Reads one module of an encoded symbol, as zint's own module_is_set does.
 * Swift imports `encoded_data` (200 x 144 bytes) as a tuple of tuples, which the
 * compiler copies whole on every access; this reads one byte instead. */
static inline int marking_zint_module(const struct zint_symbol *symbol, int row, int column) {
    return (symbol->encoded_data[row][column >> 3] >> (column & 7)) & 1;
}

/* The symbol's error text, NUL-terminated (a C array Swift would import as a tuple). */
static inline const char *marking_zint_error(const struct zint_symbol *symbol) {
    return symbol->errtxt;
}

#endif
