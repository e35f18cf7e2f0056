;; Calls crossing the tiers: $simd_rec uses SIMD, which the JIT does not
;; compile yet, so it runs in the interpreter even in a JIT module; the other
;; functions are machine code there. Recursion through them must exhaust
;; the stack at the same depth, with the same fuel spent, in both tiers
;; (a fuzzer finding: the interpreter's entry marker took one frame more).
(module
  (memory 1)
  (func $simd_rec (export "simd_rec") (param i32) (result i32)
    (drop (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
    (call $simd_rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "scalar_then_simd") (param i32) (result i32)
    (call $simd_rec (local.get 0)))
  (func $mixed (export "mixed") (param i32) (result i32)
    (if (i32.and (local.get 0) (i32.const 1))
      (then (return (call $mixed_simd (i32.add (local.get 0) (i32.const 1))))))
    (call $mixed (i32.add (local.get 0) (i32.const 1))))
  (func $mixed_simd (param i32) (result i32)
    (drop (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
    (call $mixed (local.get 0))))
