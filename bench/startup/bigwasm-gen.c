/* bigwasm-gen: writes a large, valid wasm32-wasi command module directly in
 * the binary format, for measuring how long a big module takes to load,
 * validate, compile and instantiate (compiling a C file of this size with
 * clang would take minutes; writing the bytes takes a fraction of a second).
 *
 *   bigwasm-gen MEGABYTES OUT.wasm
 *
 * The module holds generated functions f(x, depth) -> i32 until the code
 * section reaches MEGABYTES MiB. Their bodies mix what compiled C contains:
 * i32/i64/f64 arithmetic, if/else, counted loops, br_table switches with
 * fall-through, loads and stores, direct calls to earlier functions, and
 * division. _start calls every function once through call_indirect and prints
 *     checksum bigmodule n=<functions> <8 hex digits>
 * with fd_write, so every engine must agree on the answer, not just accept
 * the bytes. The output is a pure function of MEGABYTES. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growable byte buffer ------------------------------------------------------- */

typedef struct buf {
    uint8_t *data;
    size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            fprintf(stderr, "bigwasm-gen: out of memory\n");
            exit(1);
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void byte(buf *b, uint8_t v) { put(b, &v, 1); }

static void uleb(buf *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}

static void sleb(buf *b, int64_t v)
{
    for (;;) {
        uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7; /* arithmetic: gcc and clang define it so */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        byte(b, (uint8_t)(c | (done ? 0 : 0x80)));
        if (done)
            return;
    }
}

static void name(buf *b, const char *s)
{
    uleb(b, strlen(s));
    put(b, s, strlen(s));
}

static void section(buf *out, uint8_t id, const buf *content)
{
    byte(out, id);
    uleb(out, content->len);
    put(out, content->data, content->len);
}

/* ---- opcodes and layout -------------------------------------------------------------- */

enum {
    I32 = 0x7f, I64 = 0x7e, F64 = 0x7c, VOID = 0x40, FUNCREF = 0x70,
    OP_IF = 0x04, OP_ELSE = 0x05, OP_END = 0x0b, OP_BLOCK = 0x02, OP_LOOP = 0x03, OP_BR = 0x0c,
    OP_BR_IF = 0x0d, OP_BR_TABLE = 0x0e, OP_CALL = 0x10, OP_CALL_INDIRECT = 0x11, OP_DROP = 0x1a,
    LGET = 0x20, LSET = 0x21, LTEE = 0x22,
    I32_LOAD = 0x28, I32_STORE = 0x36, I32_STORE8 = 0x3a,
    I32_CONST = 0x41, I64_CONST = 0x42, F64_CONST = 0x44,
    I32_LT_U = 0x49, I32_GT_U = 0x4b,
    I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_DIV_U = 0x6e, I32_REM_U = 0x70,
    I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76,
    I64_ADD = 0x7c, I64_MUL = 0x7e, I64_SHR_U = 0x88,
    F64_ADD = 0xa0, F64_MUL = 0xa2,
    I32_WRAP_I64 = 0xa7, I32_TRUNC_F64_U = 0xab, I64_EXTEND_I32_U = 0xad, F64_CONVERT_I32_U = 0xb8,
};

/* Locals of a generated function: params x, depth; then a b c d i t (i32), e (i64), f (f64). */
enum { L_X, L_DEPTH, L_A, L_B, L_C, L_D, L_I, L_T, L_E, L_F };

enum { SCRATCH_WORDS = 1024, IOVEC = 8192, NWRITTEN = 8200, TEXT = 8256 };

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

static void op(buf *b, uint8_t o) { byte(b, o); }
static void get(buf *b, uint32_t l) { op(b, LGET), uleb(b, l); }
static void set(buf *b, uint32_t l) { op(b, LSET), uleb(b, l); }
static void tee(buf *b, uint32_t l) { op(b, LTEE), uleb(b, l); }
static void i32c(buf *b, uint32_t v) { op(b, I32_CONST), sleb(b, (int32_t)v); }
static void i64c(buf *b, uint64_t v) { op(b, I64_CONST), sleb(b, (int64_t)v); }
static void mem_op(buf *b, uint8_t o, uint32_t align) { op(b, o), uleb(b, align), uleb(b, 0); }

/* Address of scratch word ((local ^ k) & 1023) on the stack. */
static void scratch_addr(buf *b, uint32_t local, uint32_t k, uint8_t combine)
{
    get(b, local), i32c(b, k), op(b, combine), i32c(b, SCRATCH_WORDS - 1), op(b, I32_AND), i32c(b, 2), op(b, I32_SHL);
}

/* One statement: leaves the operand stack as it found it. fn is the index
 * (among generated functions) of the function being written; calls go only
 * to lower indices, so there is no recursion. */
static void statement(buf *b, uint32_t fn)
{
    uint32_t k1 = rnd(1u << 31) | 1, k2 = rnd(1u << 31), s = rnd(31) + 1;
    switch (rnd(10)) {
    case 0: /* a = a * k1 + (b ^ k2) */
        get(b, L_A), i32c(b, k1), op(b, I32_MUL), get(b, L_B), i32c(b, k2), op(b, I32_XOR), op(b, I32_ADD), set(b, L_A);
        break;
    case 1: /* if (a & k1) b += c >> s; else c -= a << (32 - s) */
        get(b, L_A), i32c(b, k1), op(b, I32_AND), op(b, OP_IF), byte(b, VOID);
        get(b, L_B), get(b, L_C), i32c(b, s), op(b, I32_SHR_U), op(b, I32_ADD), set(b, L_B);
        op(b, OP_ELSE);
        get(b, L_C), get(b, L_A), i32c(b, 32 - s), op(b, I32_SHL), op(b, I32_SUB), set(b, L_C);
        op(b, OP_END);
        break;
    case 2: { /* for (i = 0; i < n; i++) d += (a + i) * k1 */
        uint32_t n = rnd(8) + 1;
        i32c(b, 0), set(b, L_I), op(b, OP_LOOP), byte(b, VOID);
        get(b, L_D), get(b, L_A), get(b, L_I), op(b, I32_ADD), i32c(b, k1), op(b, I32_MUL), op(b, I32_ADD), set(b, L_D);
        get(b, L_I), i32c(b, 1), op(b, I32_ADD), tee(b, L_I), i32c(b, n), op(b, I32_LT_U), op(b, OP_BR_IF), uleb(b, 0);
        op(b, OP_END);
        break;
    }
    case 3: { /* switch ((a >> s) & 7) { case 0..6: b ^= k; [break;] default: d += b; } */
        for (int i = 0; i < 9; i++) /* $end, $default, $c6 .. $c0 */
            op(b, OP_BLOCK), byte(b, VOID);
        get(b, L_A), i32c(b, s), op(b, I32_SHR_U), i32c(b, 7), op(b, I32_AND);
        op(b, OP_BR_TABLE), uleb(b, 7);
        for (uint32_t c = 0; c < 7; c++)
            uleb(b, c);
        uleb(b, 7);
        for (uint32_t c = 0; c < 7; c++) {
            op(b, OP_END); /* closes $c<c>: case c's code follows */
            get(b, L_B), i32c(b, rnd(1u << 31)), op(b, I32_XOR), set(b, L_B);
            if (rnd(2))
                op(b, OP_BR), uleb(b, 7 - c); /* break: to $end */
        }
        op(b, OP_END); /* closes $default */
        get(b, L_D), get(b, L_B), op(b, I32_ADD), set(b, L_D);
        op(b, OP_END); /* closes $end */
        break;
    }
    case 4: /* mem[(a ^ k2) & 1023] += b; c ^= mem[(d + k1) & 1023] */
        scratch_addr(b, L_A, k2, I32_XOR), tee(b, L_T), get(b, L_T), mem_op(b, I32_LOAD, 2);
        get(b, L_B), op(b, I32_ADD), mem_op(b, I32_STORE, 2);
        get(b, L_C), scratch_addr(b, L_D, k1, I32_ADD), mem_op(b, I32_LOAD, 2), op(b, I32_XOR), set(b, L_C);
        break;
    case 5: /* e = e * k1 + a; a ^= (u32)(e >> (s + 16)) */
        get(b, L_E), i64c(b, k1), op(b, I64_MUL), get(b, L_A), op(b, I64_EXTEND_I32_U), op(b, I64_ADD), tee(b, L_E);
        i64c(b, s + 16), op(b, I64_SHR_U), op(b, I32_WRAP_I64), get(b, L_A), op(b, I32_XOR), set(b, L_A);
        break;
    case 6: { /* f = f * 0.5 + (b & 0xffff); b += (u32)f   (f stays in 0..131326) */
        static const uint8_t half[8] = {0, 0, 0, 0, 0, 0, 0xe0, 0x3f};
        get(b, L_F), op(b, F64_CONST), put(b, half, 8), op(b, F64_MUL);
        get(b, L_B), i32c(b, 0xffff), op(b, I32_AND), op(b, F64_CONVERT_I32_U), op(b, F64_ADD), tee(b, L_F);
        op(b, I32_TRUNC_F64_U), get(b, L_B), op(b, I32_ADD), set(b, L_B);
        break;
    }
    case 7: /* a = a / (b | 1) + c % k1 */
        get(b, L_A), get(b, L_B), i32c(b, 1), op(b, I32_OR), op(b, I32_DIV_U);
        get(b, L_C), i32c(b, k1), op(b, I32_REM_U), op(b, I32_ADD), set(b, L_A);
        break;
    default: /* if (depth) a += f_j(b ^ k2, depth - 1)  for some j < fn */
        if (fn == 0) {
            get(b, L_A), i32c(b, 0xffffffffu), op(b, I32_XOR), set(b, L_A);
            break;
        }
        get(b, L_DEPTH), op(b, OP_IF), byte(b, VOID);
        get(b, L_B), i32c(b, k2), op(b, I32_XOR), get(b, L_DEPTH), i32c(b, 1), op(b, I32_SUB);
        op(b, OP_CALL), uleb(b, 1 + rnd(fn)); /* function index: the import is 0 */
        get(b, L_A), op(b, I32_ADD), set(b, L_A);
        op(b, OP_END);
        break;
    }
}

static void generated_function(buf *code, uint32_t fn)
{
    buf body = {0};
    uleb(&body, 3); /* local groups */
    uleb(&body, 6), byte(&body, I32);
    uleb(&body, 1), byte(&body, I64);
    uleb(&body, 1), byte(&body, F64);
    get(&body, L_X), set(&body, L_A);
    get(&body, L_X), i32c(&body, rnd(1u << 31)), op(&body, I32_XOR), set(&body, L_B);
    i32c(&body, rnd(1u << 31)), set(&body, L_C);
    get(&body, L_X), i32c(&body, 3), op(&body, I32_SHR_U), set(&body, L_D);
    get(&body, L_X), op(&body, I64_EXTEND_I32_U), set(&body, L_E);
    get(&body, L_X), i32c(&body, 255), op(&body, I32_AND), op(&body, F64_CONVERT_I32_U), set(&body, L_F);
    uint32_t statements = 10 + rnd(50);
    for (uint32_t s = 0; s < statements; s++)
        statement(&body, fn);
    get(&body, L_A), get(&body, L_B), op(&body, I32_XOR), get(&body, L_C), op(&body, I32_XOR);
    get(&body, L_D), op(&body, I32_XOR), get(&body, L_E), op(&body, I32_WRAP_I64), op(&body, I32_XOR);
    get(&body, L_F), op(&body, I32_TRUNC_F64_U), op(&body, I32_XOR);
    op(&body, OP_END);
    uleb(code, body.len);
    put(code, body.data, body.len);
    free(body.data);
}

/* _start: acc = 1; for each i: acc = acc * 2654435761 + table[i](acc, 1);
 * then print the prefix (a data segment at TEXT) and acc in hex. */
static void start_function(buf *code, uint32_t count, uint32_t prefix_len)
{
    enum { ACC, IDX, DIGIT };
    buf body = {0};
    uleb(&body, 1), uleb(&body, 3), byte(&body, I32);
    i32c(&body, 1), set(&body, ACC), i32c(&body, 0), set(&body, IDX);
    op(&body, OP_LOOP), byte(&body, VOID);
    get(&body, ACC), i32c(&body, 2654435761u), op(&body, I32_MUL);
    get(&body, ACC), i32c(&body, 1), get(&body, IDX), op(&body, OP_CALL_INDIRECT), uleb(&body, 1), uleb(&body, 0);
    op(&body, I32_ADD), set(&body, ACC);
    get(&body, IDX), i32c(&body, 1), op(&body, I32_ADD), tee(&body, IDX), i32c(&body, count), op(&body, I32_LT_U);
    op(&body, OP_BR_IF), uleb(&body, 0);
    op(&body, OP_END);
    for (uint32_t j = 0; j < 8; j++) { /* digit = nibble + '0' + (nibble > 9) * ('a' - '0' - 10) */
        i32c(&body, TEXT + prefix_len + j);
        get(&body, ACC), i32c(&body, 28 - 4 * j), op(&body, I32_SHR_U), i32c(&body, 15), op(&body, I32_AND), tee(&body, DIGIT);
        i32c(&body, '0'), op(&body, I32_ADD), get(&body, DIGIT), i32c(&body, 9), op(&body, I32_GT_U);
        i32c(&body, 'a' - '0' - 10), op(&body, I32_MUL), op(&body, I32_ADD), mem_op(&body, I32_STORE8, 0);
    }
    i32c(&body, TEXT + prefix_len + 8), i32c(&body, '\n'), mem_op(&body, I32_STORE8, 0);
    i32c(&body, IOVEC), i32c(&body, TEXT), mem_op(&body, I32_STORE, 2);
    i32c(&body, IOVEC + 4), i32c(&body, prefix_len + 9), mem_op(&body, I32_STORE, 2);
    i32c(&body, 1), i32c(&body, IOVEC), i32c(&body, 1), i32c(&body, NWRITTEN), op(&body, OP_CALL), uleb(&body, 0);
    op(&body, OP_DROP), op(&body, OP_END);
    uleb(code, body.len);
    put(code, body.data, body.len);
    free(body.data);
}

int main(int argc, char **argv)
{
    char *end = NULL;
    errno = 0;
    unsigned long mib = argc == 3 ? strtoul(argv[1], &end, 10) : 0;
    if (argc != 3 || !end || *end || errno || mib < 1 || mib > 1024) {
        fprintf(stderr, "usage: bigwasm-gen MEGABYTES OUT.wasm   (1..1024 MiB of code)\n");
        return 2;
    }
    buf bodies = {0};
    uint32_t count = 0;
    while (bodies.len < (size_t)mib << 20)
        generated_function(&bodies, count++);

    char prefix[64];
    int prefix_len = snprintf(prefix, sizeof prefix, "checksum bigmodule n=%u ", count);

    buf out = {0}, s = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    /* types: 0 = fd_write (i32 i32 i32 i32) -> i32, 1 = f (i32 i32) -> i32, 2 = () -> () */
    uleb(&s, 3);
    byte(&s, 0x60), uleb(&s, 4), byte(&s, I32), byte(&s, I32), byte(&s, I32), byte(&s, I32), uleb(&s, 1), byte(&s, I32);
    byte(&s, 0x60), uleb(&s, 2), byte(&s, I32), byte(&s, I32), uleb(&s, 1), byte(&s, I32);
    byte(&s, 0x60), uleb(&s, 0), uleb(&s, 0);
    section(&out, 1, &s), s.len = 0;
    uleb(&s, 1), name(&s, "wasi_snapshot_preview1"), name(&s, "fd_write"), byte(&s, 0), uleb(&s, 0);
    section(&out, 2, &s), s.len = 0;
    uleb(&s, count + 1);
    for (uint32_t i = 0; i < count; i++)
        uleb(&s, 1);
    uleb(&s, 2);
    section(&out, 3, &s), s.len = 0;
    uleb(&s, 1), byte(&s, FUNCREF), byte(&s, 1), uleb(&s, count), uleb(&s, count);
    section(&out, 4, &s), s.len = 0;
    uleb(&s, 1), byte(&s, 0), uleb(&s, 1); /* one memory, min 1 page */
    section(&out, 5, &s), s.len = 0;
    uleb(&s, 2);
    name(&s, "_start"), byte(&s, 0), uleb(&s, count + 1);
    name(&s, "memory"), byte(&s, 2), uleb(&s, 0);
    section(&out, 7, &s), s.len = 0;
    uleb(&s, 1), uleb(&s, 0), i32c(&s, 0), op(&s, OP_END), uleb(&s, count);
    for (uint32_t i = 0; i < count; i++)
        uleb(&s, i + 1);
    section(&out, 9, &s), s.len = 0;
    uleb(&s, count + 1);
    put(&s, bodies.data, bodies.len);
    start_function(&s, count, (uint32_t)prefix_len);
    section(&out, 10, &s), s.len = 0;
    uleb(&s, 1), uleb(&s, 0), i32c(&s, TEXT), op(&s, OP_END), uleb(&s, (uint64_t)prefix_len), put(&s, prefix, (size_t)prefix_len);
    section(&out, 11, &s), s.len = 0;

    int status = 0;
    FILE *f = fopen(argv[2], "wb");
    bool written = f && fwrite(out.data, 1, out.len, f) == out.len;
    if (f && fclose(f) != 0)
        written = false;
    if (!written) {
        fprintf(stderr, "bigwasm-gen: cannot write %s: %s\n", argv[2], strerror(errno));
        status = 1;
    } else {
        printf("bigwasm-gen: %s: %u functions, %zu bytes\n", argv[2], count + 1, out.len);
    }
    free(out.data);
    free(s.data);
    free(bodies.data);
    return status;
}
