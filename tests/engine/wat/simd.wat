;; v128 values through the embedding API: arguments, results (also mixed with
;; scalars in a multi-value result), host functions, globals.
(module
  (import "env" "vhost" (func $vhost (param v128 i32) (result v128)))
  (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
  (func (export "vadd") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1)))
  (func (export "via_host") (param v128) (result v128)
    (i8x16.add (call $vhost (local.get 0) (i32.const 10)) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
  (func (export "multi") (result v128 i32 v128)
    (global.get $g) (i32.const 7) (v128.const i64x2 -1 5))
  (func (export "square_g") (result v128)
    (global.set $g (f32x4.mul (global.get $g) (global.get $g)))
    (global.get $g))
  (func (export "lane") (param v128) (result f64)
    (f64x2.extract_lane 1 (local.get 0))))
