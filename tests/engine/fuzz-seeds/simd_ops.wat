(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\ff\fe")
  (func (export "a") (result v128)
    (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
      (v128.load (i32.const 0)) (v128.load8x8_s (i32.const 3))))
  (func (export "b") (result i32)
    (v128.store32_lane 2 (i32.const 40) (v128.load16_splat (i32.const 16)))
    (i8x16.bitmask (i8x16.narrow_i16x8_s (v128.load (i32.const 0)) (v128.load (i32.const 8)))))
  (func (export "c") (result v128)
    (f32x4.div (f32x4.convert_i32x4_s (v128.load32_zero (i32.const 4)))
               (f32x4.splat (f32.const 0))))
  (func (export "d") (result i64)
    (i64x2.extract_lane 1 (i64x2.shr_s (v128.load64_lane 1 (i32.const 2) (v128.const i64x2 0 0)) (i32.const 65)))))
