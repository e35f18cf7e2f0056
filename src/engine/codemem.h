/* Executable memory for the JIT, written then sealed: W^X. Code is copied
 * into fresh read+write pages, which are then made read+execute; no page is
 * ever writable and executable at once, and sealed pages are never made
 * writable again. Where the platform refuses executable memory (a Keep
 * without it), codemem_seal fails and the caller runs the interpreter. */
#ifndef ENGINE_CODEMEM_H
#define ENGINE_CODEMEM_H

#include <stdbool.h>
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
/* Whether this platform gives executable memory (probed once: a page mapped
 * read+write, made read+execute, unmapped). */
bool codemem_exec_available(void);

/* An arena for code compiled piece by piece (the JIT's lazy compilation):
 * mapped read+write, then filled from the start, each piece on pages of its
 * own that are sealed read+execute at once (codemem_append). Pages never go
 * back to writable; the unfilled rest is never executable. */
typedef struct code_arena {
    codemem mem;
    size_t used; /* bytes sealed, a multiple of the page size */
} code_arena;

/* Maps an arena of at least `size` bytes. 0, or -1 (errno set). */
int code_arena_map(code_arena *a, size_t size);
/* Pages `len` bytes of code take (rounded up). */
size_t code_pages(size_t len);
/* Copies `code` to the arena's next pages and seals them: its address, or
 * NULL (errno set) when it does not fit or the platform refuses. */
void *code_arena_append(code_arena *a, const uint8_t *code, size_t len);

#endif
