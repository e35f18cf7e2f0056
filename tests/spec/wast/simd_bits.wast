;; Exact results the core suite leaves open, the same in every tier (30-spec
;; runs this directory in each): the JIT's inline SSE lane-wise operations
;; against the interpreter's. Float lanes: a NaN operand's payload is kept
;; (quieted), the first operand's when both are NaNs; integer lanes wrap;
;; a v128.const operand of an inlined operation.
(module
  (func (export "f32add") (param v128 v128) (result v128) (f32x4.add (local.get 0) (local.get 1)))
  (func (export "f32sub") (param v128 v128) (result v128) (f32x4.sub (local.get 0) (local.get 1)))
  (func (export "f32mul") (param v128 v128) (result v128) (f32x4.mul (local.get 0) (local.get 1)))
  (func (export "f64add") (param v128 v128) (result v128) (f64x2.add (local.get 0) (local.get 1)))
  (func (export "f64mul") (param v128 v128) (result v128) (f64x2.mul (local.get 0) (local.get 1)))
  (func (export "i32mul") (param v128 v128) (result v128) (i32x4.mul (local.get 0) (local.get 1)))
  (func (export "i16mul") (param v128 v128) (result v128) (i16x8.mul (local.get 0) (local.get 1)))
  (func (export "cst") (param v128) (result v128) (i64x2.sub (v128.const i64x2 5 -7) (local.get 0)))
)
(assert_return (invoke "f32add" (v128.const i32x4 0x7fc00001 0x3f800000 0x7fa00003 0xffc00004) (v128.const i32x4 0x7fc00002 0x7fc00005 0x7fc00006 0x3f800000)) (v128.const i32x4 0x7fc00001 0x7fc00005 0x7fe00003 0xffc00004))
(assert_return (invoke "f32sub" (v128.const i32x4 0x7fc00001 0x3f800000 0x7fa00003 0xffc00004) (v128.const i32x4 0x7fc00002 0x7fc00005 0x7fc00006 0x3f800000)) (v128.const i32x4 0x7fc00001 0x7fc00005 0x7fe00003 0xffc00004))
(assert_return (invoke "f32mul" (v128.const i32x4 0x7fc00001 0x3f800000 0x7fa00003 0xffc00004) (v128.const i32x4 0x7fc00002 0x7fc00005 0x7fc00006 0x3f800000)) (v128.const i32x4 0x7fc00001 0x7fc00005 0x7fe00003 0xffc00004))
(assert_return (invoke "f64add" (v128.const i64x2 0x7ff8000000000001 0x3ff0000000000000) (v128.const i64x2 0x7ff8000000000002 0xfff8000000000009)) (v128.const i64x2 0x7ff8000000000001 0xfff8000000000009))
(assert_return (invoke "f64mul" (v128.const i64x2 0x7ff8000000000001 0x3ff0000000000000) (v128.const i64x2 0x7ff8000000000002 0xfff8000000000009)) (v128.const i64x2 0x7ff8000000000001 0xfff8000000000009))
(assert_return (invoke "i32mul" (v128.const i32x4 -3 65537 0x7fffffff 0) (v128.const i32x4 5 65537 2 9)) (v128.const i32x4 -15 131073 -2 0))
(assert_return (invoke "i16mul" (v128.const i16x8 -3 300 0x7fff 0 1 2 3 4) (v128.const i16x8 5 300 2 9 1 2 3 4)) (v128.const i16x8 -15 24464 -2 0 1 4 9 16))
(assert_return (invoke "cst" (v128.const i64x2 1 2)) (v128.const i64x2 4 -9))

;; Splats and extract_lane of the 32- and 64-bit lanes (inline in the JIT):
;; every lane, NaN payloads kept, scalars from locals a loop keeps hot.
(module
  (func (export "splat_i32") (param i32) (result v128) (i32x4.splat (local.get 0)))
  (func (export "splat_f32") (param f32) (result v128) (f32x4.splat (local.get 0)))
  (func (export "splat_i64") (param i64) (result v128) (i64x2.splat (local.get 0)))
  (func (export "splat_f64") (param f64) (result v128) (f64x2.splat (local.get 0)))
  (func (export "ex_i32") (param v128) (result i32 i32 i32 i32)
    (i32x4.extract_lane 0 (local.get 0)) (i32x4.extract_lane 1 (local.get 0))
    (i32x4.extract_lane 2 (local.get 0)) (i32x4.extract_lane 3 (local.get 0)))
  (func (export "ex_f32") (param v128) (result f32 f32)
    (f32x4.extract_lane 1 (local.get 0)) (f32x4.extract_lane 3 (local.get 0)))
  (func (export "ex_i64") (param v128) (result i64 i64)
    (i64x2.extract_lane 0 (local.get 0)) (i64x2.extract_lane 1 (local.get 0)))
  (func (export "ex_f64") (param v128) (result f64) (f64x2.extract_lane 1 (local.get 0)))
  ;; sum of lane 2 of splat(i) + acc over i < n: a hot loop counter splat
  (func (export "loop") (param i32) (result i32)
    (local $i i32) (local $acc v128)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get 0)))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.splat (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 0 (local.get $acc))))
)
(assert_return (invoke "splat_i32" (i32.const -2)) (v128.const i32x4 -2 -2 -2 -2))
(assert_return (invoke "splat_f32" (f32.const nan:0x200001)) (v128.const i32x4 0x7fa00001 0x7fa00001 0x7fa00001 0x7fa00001))
(assert_return (invoke "splat_i64" (i64.const 0x123456789abcdef0)) (v128.const i64x2 0x123456789abcdef0 0x123456789abcdef0))
(assert_return (invoke "splat_f64" (f64.const -nan:0x4000000000001)) (v128.const i64x2 0xfff4000000000001 0xfff4000000000001))
(assert_return (invoke "ex_i32" (v128.const i32x4 1 -2 3 0x80000000)) (i32.const 1) (i32.const -2) (i32.const 3) (i32.const 0x80000000))
(assert_return (invoke "ex_f32" (v128.const i32x4 0 0x7fa00005 0 0xffc00007)) (f32.const nan:0x200005) (f32.const -nan:0x400007))
(assert_return (invoke "ex_i64" (v128.const i64x2 -5 0x7fffffffffffffff)) (i64.const -5) (i64.const 0x7fffffffffffffff))
(assert_return (invoke "ex_f64" (v128.const i64x2 0 0x7ff4000000000003)) (f64.const nan:0x4000000000003))
(assert_return (invoke "loop" (i32.const 1000)) (i32.const 999000))
