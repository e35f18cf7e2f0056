;; Finding 2002189 (also 2002301: f64.min into a global, stored later),
;; reduced by hand: f64.max of the canonical NaN and a NaN with another
;; payload, stored to memory. Any quiet NaN is allowed: V8 stores
;; 0xfff8000000000000, our engine 0xffffffffffffffea.
(module
  (memory (export "memory") 1 1)
  (func (export "func_24") (result i32)
    (f64.store offset=22 align=2 (i32.const 14)
      (f64.max (f64.const nan) (f64.const -nan:0xfffffffffffea)))
    (i32.const -32768)))
