/* Executable memory for the JIT, written then sealed: W^X. Code is copied
 * into fresh read+write pages, which are then made read+execute; no page is
 * ever writable and executable at once, and sealed pages are never made
 * writable again. Where the platform refuses executable memory (a Keep
 * without it), codemem_seal fails and the caller runs the interpreter. */
#ifndef ENGINE_CODEMEM_H
#define ENGINE_CODEMEM_H

#include <stddef.h>
#include <stdint.h>

typedef struct codemem {
    uint8_t *base;
    size_t size; /* bytes mapped */
} codemem;

/* Maps pages for `len` bytes of code, copies `code` there and makes them
 * read+execute. Returns 0, or -1 (errno set) when memory cannot be mapped
 * or made executable; nothing stays mapped then. */
int codemem_seal(codemem *cm, const uint8_t *code, size_t len);
void codemem_free(codemem *cm);

#endif
