;; Bounds checks by guard pages (docs/engine.md, "Bounds checks"): every
;; kind of access the JIT emits, out of bounds at the end of memory, at
;; offset 2^32 - 1, straddling the end (a store must write nothing), after
;; memory.grow and deep in a call chain. engine_test.c (test_guard) runs
;; each export in the interpreter and in the JIT with explicit checks and
;; with guard pages: the same result or trap (message, backtrace), fuel and
;; memory. Memory: one page (65,536 bytes), at most two.
(module
  (memory (export "memory") 1 2)
  (func (export "ld32") (param $a i32) (result i32) (i32.load (local.get $a)))
  (func (export "ld8") (param $a i32) (result i32) (i32.load8_u (local.get $a)))
  (func (export "ld64") (param $a i32) (result i32) (i32.wrap_i64 (i64.load (local.get $a))))
  (func (export "st32") (param $a i32) (result i32)
    (i32.store (local.get $a) (i32.const 0x11223344)) (i32.const 1))
  (func (export "st16") (param $a i32) (result i32)
    (i32.store16 (local.get $a) (i32.const 0x5566)) (i32.const 1))
  (func (export "st64") (param $a i32) (result i32)
    (i64.store (local.get $a) (i64.const 0x0102030405060708)) (i32.const 1))
  (func (export "stf64") (param $a i32) (result i32)
    (f64.store (local.get $a) (f64.const 1.5)) (i32.const 1))
  ;; a float load folded into the add (addsd xmm, [mem])
  (func (export "fload") (param $a i32) (result i32)
    (i32.trunc_f64_s (f64.add (f64.const 1) (f64.load (local.get $a)))))
  (func (export "fload32") (param $a i32) (result i32)
    (i32.trunc_f32_s (f32.mul (f32.const 2) (f32.add (f32.const 1) (f32.load (local.get $a))))))
  (func (export "vload") (param $a i32) (result i32)
    (i32x4.extract_lane 3 (v128.load (local.get $a))))
  (func (export "vstore") (param $a i32) (result i32)
    (v128.store (local.get $a) (v128.const i32x4 1 2 3 4)) (i32.const 1))
  ;; the largest offset: out of bounds whatever the address
  (func (export "off_max") (param $a i32) (result i32)
    (i32.load8_u offset=4294967295 (local.get $a)))
  (func (export "st_off_max") (param $a i32) (result i32)
    (i32.store8 offset=4294967295 (local.get $a) (i32.const 9)) (i32.const 1))
  ;; offsets past 2^31 - 64 Ki: added in a register
  (func (export "off_big") (param $a i32) (result i32)
    (i32.load offset=0x80000000 (local.get $a)))
  (func (export "const_far") (param $a i32) (result i32)
    (i32.load offset=0x7fff0000 (i32.const 0x10000)))
  ;; grown by a page: the second page is in bounds now, the third not
  (func (export "grown") (param $a i32) (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store (local.get $a) (i32.const 77))
    (i32.load (local.get $a)))
  ;; three calls deep: the trap's backtrace has every frame
  (func $d3 (param $a i32) (result i32) (i32.load offset=8 (local.get $a)))
  (func $d2 (param $a i32) (result i32) (i32.add (i32.const 1) (call $d3 (local.get $a))))
  (func $d1 (param $a i32) (result i32) (i32.add (i32.const 1) (call $d2 (local.get $a))))
  (func (export "deep") (param $a i32) (result i32) (call $d1 (local.get $a)))
  ;; a loop walking off the end: the trap after the last good store
  (func (export "walk") (param $a i32) (result i32) (local $i i32)
    (loop $l
      (i32.store (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (local.get $a)))
      (br $l))
    (i32.const 0))
)
