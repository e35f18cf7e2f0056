/* Trap backtraces cost a bounded amount of work, however deep the stack
 * (issue 9, defect 4: naming each of up to 100,000 frames by a linear scan
 * of the module's functions took 80 s of CPU after a crafted module's trap).
 *
 * A generated module of many functions, each calling the next in a cycle,
 * recurses until the call-depth limit traps. The backtrace must name the
 * innermost frames correctly, and the work of naming them (the store's
 * backtrace_work: index entries built and search steps, an engine internal,
 * hence internal.h) must stay within the size of the module's code index
 * plus a logarithmic search per reported frame. No time is measured. */
#include "check.h"
#include "wasm_buf.h"
#include "engine/internal.h"

#include <stdlib.h>

/* n functions of type () -> (); function i calls function (i + 1) % n;
 * function 0 is exported as "run". */
static buf cycle_module(uint32_t n)
{
    buf m = {0}, s = {0}, body = {0};
    static const uint8_t header[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    put_bytes(&m, header, sizeof header);
    static const uint8_t one_type[] = {1, 0x60, 0, 0}; /* () -> () */
    put_bytes(&s, one_type, sizeof one_type);
    put_section(&m, 1, &s);
    put_u32(&s, n);
    for (uint32_t i = 0; i < n; i++)
        put(&s, 0);
    put_section(&m, 3, &s);
    static const uint8_t export_run[] = {1, 3, 'r', 'u', 'n', 0, 0}; /* "run": function 0 */
    put_bytes(&s, export_run, sizeof export_run);
    put_section(&m, 7, &s);
    put_u32(&s, n);
    for (uint32_t i = 0; i < n; i++) {
        body.n = 0;
        put(&body, 0);    /* no locals */
        put(&body, 0x10); /* call (i + 1) % n */
        put_u32(&body, (i + 1) % n);
        put(&body, 0x0b);
        put_u32(&s, (uint32_t)body.n);
        put_bytes(&s, body.p, body.n);
    }
    put_section(&m, 10, &s);
    free(s.p);
    free(body.p);
    return m;
}

/* Calls "run" until it traps; checks the backtrace and returns the work it took. */
static uint64_t trap_once(wasm_store *store, wasm_func *run, uint32_t n)
{
    wasm_error err;
    uint64_t before = store->backtrace_work;
    wasm_status st = wasm_call(store, run, NULL, 0, NULL, 0, &err);
    CHECK_EQ_INT(st, WASM_ERR_TRAP);
    CHECK_EQ_INT(err.trap, WASM_TRAP_STACK_EXHAUSTED);
    CHECK_EQ_INT(err.frame_count, WASM_MAX_BACKTRACE);
    /* each frame was called by the function before it in the cycle */
    bool chain = err.frame_count > 0;
    for (uint32_t k = 1; k < err.frame_count; k++)
        chain = chain && err.frames[k].func_index == (err.frames[k - 1].func_index + n - 1) % n;
    CHECK(chain);
    return store->backtrace_work - before;
}

/* A bound generous for a binary search per reported frame, far below one
 * scan of the functions per frame of the stack. */
#define SEARCH_BUDGET ((uint64_t)WASM_MAX_BACKTRACE * 64u)

static void deep_trap(uint32_t nfuncs, wasm_compile_when when, uint32_t depth)
{
    buf mod = cycle_module(nfuncs);
    wasm_module_options options = {.compile = when};
    wasm_error err;
    wasm_module *m = wasm_module_new_with(mod.p, mod.n, &options, &err);
    free(mod.p);
    CHECK(m != NULL);
    if (!m) {
        printf("     %s\n", err.message);
        return;
    }
    wasm_store_limits store_limits = {.max_call_depth = depth};
    wasm_store *store = wasm_store_new(&store_limits);
    wasm_instance *inst = wasm_instantiate(store, m, NULL, 0, &err);
    wasm_extern ex;
    CHECK(inst && wasm_instance_export(inst, "run", &ex) && ex.kind == WASM_EXTERN_FUNC);
    if (inst && wasm_instance_export(inst, "run", &ex)) {
        /* the first trap builds the index of the translated functions (one
         * look at each of the module's functions) */
        uint64_t first = trap_once(store, ex.of.func, nfuncs);
        if (first > nfuncs + SEARCH_BUDGET)
            printf("     %u functions, depth %u: first trap took %llu steps\n", nfuncs, depth,
                   (unsigned long long)first);
        CHECK(first <= nfuncs + SEARCH_BUDGET);
        /* later traps reuse it: a search per reported frame */
        uint64_t again = trap_once(store, ex.of.func, nfuncs);
        if (again > SEARCH_BUDGET)
            printf("     %u functions, depth %u: second trap took %llu steps\n", nfuncs, depth,
                   (unsigned long long)again);
        CHECK(again <= SEARCH_BUDGET);
    }
    wasm_store_free(store);
    wasm_module_free(m);
}

int main(void)
{
    /* the default depth limit (100,000 frames) through 3,000 functions, all
     * translated at load */
    deep_trap(3000, WASM_COMPILE_EAGER, 0);
    /* translated on first call: about 1,000 of them by the time a depth
     * limit of 1,000 traps */
    deep_trap(3000, WASM_COMPILE_LAZY, 1000);
    return check_summary();
}
