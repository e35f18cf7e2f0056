/* Append-only arrays of the exec that grow geometrically without storing a
 * capacity: an array of `count` elements always has room for the smallest
 * power of two >= count (at least 8), so appending n elements costs O(log n)
 * reallocations rather than n (50,000 Enarx.toml arguments one realloc each
 * took over 100 s under ASan). */
#ifndef EXEC_GROW_H
#define EXEC_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* The array with room for element `count` (0-based) of `size` bytes: the
 * same pointer when it has room, a reallocated one, or NULL when out of
 * memory (the old array is then untouched). */
static inline void *grow_array(void *array, size_t count, size_t size)
{
    if (count != 0 && (count < 8 || (count & (count - 1)) != 0))
        return array;
    size_t capacity = count < 8 ? 8 : count * 2;
    if (capacity > SIZE_MAX / size)
        return NULL;
    return realloc(array, capacity * size);
}

#endif
