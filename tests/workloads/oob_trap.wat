;; Loads past the end of its one-page memory in a named function two calls
;; deep, after a loop of in-bounds loads: the runtime must report an out of
;; bounds memory access with the backtrace and exit with status 1. With the
;; JIT's guard-page bounds checks this is a fault the Keep's shim delivers to
;; the exec (docs/keep.md, "Signals"); with explicit checks, a compare.
(module
  (memory 1)
  (func $load_at (param i32) (result i32)
    local.get 0
    i32.load offset=16)
  (func $sum_until_out (result i32)
    (local $i i32) (local $sum i32)
    (loop $next
      local.get $sum
      local.get $i
      call $load_at
      i32.add
      local.set $sum
      local.get $i
      i32.const 4
      i32.add
      local.tee $i
      i32.const 65536
      i32.le_u
      br_if $next)
    local.get $sum)
  (func $main (export "_start")
    call $sum_until_out
    drop))
