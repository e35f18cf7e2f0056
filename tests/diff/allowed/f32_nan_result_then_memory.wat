;; The NaN bits of an arithmetic result, returned as an integer (compare.mjs
;; stops at two quiet NaN patterns), then stored: the rest of the run after
;; that point is compared on the --denan module.
(module
  (memory (export "memory") 1 1)
  (func (export "bits") (param f32) (result i32)
    (local $r f32)
    (local.set $r (f32.max (f32.const nan:0x40002a) (local.get 0)))
    (f32.store (i32.const 8) (local.get $r))
    (i32.reinterpret_f32 (local.get $r))))
