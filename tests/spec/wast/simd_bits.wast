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
