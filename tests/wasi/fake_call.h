/* Calls a WASI function the way the engine's trampoline does, on a fake
 * linear memory: call_on(ctx, mem, size, wasi_fd_write, 4, I(1), I(0), ...). */
#ifndef TESTS_WASI_FAKE_CALL_H
#define TESTS_WASI_FAKE_CALL_H

#include <stdarg.h>

#include "wasi/internal.h"

#define I(x) wasm_i32((uint32_t)(x))
#define L(x) wasm_i64((uint64_t)(x))

static int call_on(wasi_ctx *ctx, uint8_t *mem, uint64_t size, wasi_impl fn, int n, ...)
{
    wasm_value args[10];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n && i < 10; i++)
        args[i] = va_arg(ap, wasm_value);
    va_end(ap);
    wasi_call c = {.ctx = ctx, .mem = {mem, size}};
    return fn(&c, args);
}

#endif
