;; Finding 2001773, reduced: an unaligned f32.store leaves the bytes of a
;; signalling NaN (0x7f810000) in memory; it is loaded, goes through f32.sub
;; (our engine: 0x7fc10000, the operand quietened) and f32.min (V8: the
;; canonical 0xffc00000), and is stored. Any quiet NaN is allowed.
(module
  (memory (export "memory") 1 1)
  (data (i32.const 22) "\00\00\81\7f")
  (func (export "func_9_invoker")
    (f32.store offset=22 align=2 (i32.const 0)
      (f32.min (f32.const 0x1.ff02p+15)
        (f32.sub (f32.load (i32.const 3)) (f32.load (i32.const 22)))))))
