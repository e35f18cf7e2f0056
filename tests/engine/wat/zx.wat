;; The JIT keeps GPR-pinned i32 parameters and locals zero-extended in their
;; registers everywhere in a function (jit_x86.c, i32_homes), so that they
;; index memory directly. Each export takes an address n and loads through
;; a local holding it after one of the paths that could leave garbage in the
;; register's upper half: values the interpreter wrote (it leaves an i32
;; cell's upper half as it was: below, an i64 with its top bits set was
;; there first) entering machine code as a parameter, at an OSR entry, as a
;; call's result or a global; and in machine code after loops, calls,
;; br_table, select and i64 round trips. An address with the top bit set
;; must trap as in the interpreter (not fault outside memory's
;; reservation); a small one with garbage above it must load (not trap).
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20")
  (global $zero (mut i32) (i32.const 0))
  (global $g (mut i32) (i32.const 0))

  ;; sums k loads at p (p used as an address in a loop: pinned)
  (func $sum (param $p i32) (param $k i32) (result i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load offset=4 (local.get $p))))
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (local.get $s))

  ;; x in an i32 cell whose upper half is 0x7ead0000 in the interpreter
  (func $dirty (param $x i32) (result i32)
    (drop (i64.or (i64.const 0x7ead000000000000) (i64.extend_i32_u (local.get $x))))
    (i32.xor (local.get $x) (global.get $zero)))

  ;; interpreter -> machine code: the first and a later parameter dirty
  ;; (tiered: $sum and $sum2 turn hot after 1000 calls from here); n used
  ;; only by the last iteration
  (func (export "param_upper") (param $n i32) (result i32) (local $i i32) (local $s i32) (local $a i32) (local $r i32) (local $z i32)
    (loop $l
      (local.set $a (select (local.get $n) (i32.const 16) (i32.eq (local.get $i) (i32.const 1499))))
      ;; the arguments' cells: an i64 with its top bits set, then the i32s
      (drop (i64.or (i64.const 0x7ead000000000000) (i64.extend_i32_u (local.get $a))))
      (local.set $r (call $sum (i32.xor (local.get $a) (local.get $z)) (i32.const 3)))
      (local.set $s (i32.add (local.get $s) (local.get $r)))
      (drop (i64.add (i64.const 1) (i64.or (i64.const 0x7ead000000000000) (i64.extend_i32_u (local.get $a)))))
      (local.set $r (call $sum2 (i32.xor (local.get $i) (local.get $z)) (i32.xor (local.get $a) (local.get $z))))
      (local.set $s (i32.add (local.get $s) (local.get $r)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1500))))
    (local.get $s))
  ;; the address a later parameter (from the frame, not rdx)
  (func $sum2 (param $k i32) (param $p i32) (result i32) (local $s i32)
    (local.set $k (i32.and (local.get $k) (i32.const 3)))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load offset=4 (local.get $p))))
      (br_if $l (i32.ge_s (local.tee $k (i32.sub (local.get $k) (i32.const 1))) (i32.const 0))))
    (local.get $s))

  ;; a dirty parameter still in the frame when OSR enters the loop; p is
  ;; used as an address only by the last iteration
  (func $spin_at (param $p i32) (param $k i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))
      (if (i32.eq (local.get $i) (local.get $k))
        (then (local.set $s (i32.add (local.get $s) (i32.load offset=2 (local.get $p))))))
      (br_if $l (i32.le_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $k))))
    (local.get $s))
  (func (export "osr_upper") (param $n i32) (result i32)
    (drop (i64.or (i64.const 0x7ead000000000000) (i64.extend_i32_u (local.get $n))))
    (call $spin_at (i32.xor (local.get $n) (global.get $zero)) (i32.const 300000)))

  ;; machine code (the loop, entered by OSR) calling the interpreted $dirty
  ;; (300 calls: never hot); its dirty result becomes an address
  (func (export "result_upper") (param $n i32) (result i32) (local $i i32) (local $s i32) (local $a i32)
    (loop $l
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 1000)))
        (then
          (local.set $a (call $dirty (select (local.get $n) (i32.const 12) (i32.eq (local.get $i) (i32.const 299000)))))
          (local.set $s (i32.add (local.get $s) (i32.load offset=1 (local.get $a))))
          (local.set $s (i32.add (local.get $s) (i32.load8_u offset=3 (local.get $a))))
          (local.set $s (i32.add (local.get $s) (i32.load16_u (local.get $a))))))
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 300000))))
    (local.get $s))

  ;; a global the interpreter set from a dirty cell, read by machine code
  (func $use_global (result i32) (local $a i32) (local $k i32) (local $s i32)
    (local.set $a (global.get $g))
    (local.set $k (i32.const 3))
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load offset=3 (local.get $a))))
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (local.get $s))
  (func (export "global_upper") (param $n i32) (result i32) (local $i i32) (local $s i32) (local $a i32)
    (loop $l
      (local.set $a (select (local.get $n) (i32.const 8) (i32.eq (local.get $i) (i32.const 1499))))
      (drop (i64.or (i64.const 0x7ead000000000000) (i64.extend_i32_u (local.get $a))))
      (global.set $g (i32.xor (local.get $a) (global.get $zero)))
      (local.set $s (i32.add (local.get $s) (call $use_global)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1500))))
    (local.get $s))

  ;; in machine code: the address through loops, calls, br_table, select
  ;; and i64 round trips
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "after_loop") (param $n i32) (result i32) (local $a i32) (local $k i32) (local $s i32)
    (local.set $a (i32.add (local.get $n) (i32.const 40)))
    (local.set $k (i32.const 5))
    (loop $l
      (local.set $a (i32.sub (local.get $a) (i32.const 8)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.and (local.get $k) (i32.const 7)))))
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (i32.add (local.get $s) (i32.load (local.get $a))))
  (func (export "after_call") (param $n i32) (result i32) (local $a i32) (local $s i32)
    (local.set $a (call $id (local.get $n)))
    (local.set $s (i32.load (local.get $a)))
    (drop (call $id (i32.const 5)))
    (local.set $s (i32.add (local.get $s) (i32.load offset=1 (local.get $a))))
    (drop (memory.grow (i32.const 0)))
    (i32.add (local.get $s) (i32.load offset=2 (local.get $a))))
  (func (export "br_table") (param $n i32) (result i32) (local $a i32)
    (block $b2
      (block $b1
        (block $b0
          (br_table $b0 $b1 $b2 (i32.and (local.get $n) (i32.const 3))))
        (local.set $a (local.get $n))
        (br $b2))
      (local.set $a (i32.xor (local.get $n) (i32.const 0))))
    (if (i32.eq (i32.and (local.get $n) (i32.const 3)) (i32.const 2))
      (then (local.set $a (local.get $n))))
    (if (i32.eq (i32.and (local.get $n) (i32.const 3)) (i32.const 3))
      (then (local.set $a (i32.wrap_i64 (i64.extend_i32_u (local.get $n))))))
    (i32.load (local.get $a)))
  (func (export "select") (param $n i32) (result i32) (local $a i32) (local $b i32)
    (local.set $b (i32.const 4))
    (local.set $a (select (local.get $n) (local.get $b) (i32.ne (local.get $n) (i32.const 4))))
    (local.set $b (select (local.get $b) (local.get $a) (i32.eqz (local.get $n))))
    (i32.add (i32.load (local.get $a)) (i32.load offset=1 (local.get $b))))
  (func (export "roundtrip") (param $n i32) (result i32) (local $a i32) (local $w i64)
    (local.set $w (i64.add (i64.extend_i32_s (local.get $n)) (i64.const 0x7fff_0000_0000_0000)))
    (local.set $a (i32.wrap_i64 (local.get $w)))
    (local.set $w (i64.extend_i32_s (local.get $a)))
    (i32.add (i32.load (local.get $a)) (i32.load offset=2 (i32.wrap_i64 (local.get $w)))))
;; i32.shl + i32.shr_s by 16 or 24 (one movsx in the JIT): of a pinned
  ;; local, a frame cell, a parameter, into a local; and pairs it must not
  ;; fuse (other counts, a branch target between)
  (func (export "sext") (param $n i32) (result i32) (local $a i32) (local $r i32) (local $k i32)
    (local.set $k (i32.const 3))
    (loop $l
      (local.set $a (i32.add (local.get $n) (local.get $k)))
      (local.set $r (i32.add (local.get $r) (i32.shr_s (i32.shl (local.get $a) (i32.const 16)) (i32.const 16))))
      (local.set $r (i32.xor (local.get $r) (i32.shr_s (i32.shl (local.get $a) (i32.const 24)) (i32.const 24))))
      (local.set $r (i32.add (local.get $r) (i32.shr_s (i32.shl (local.get $n) (i32.const 24)) (i32.const 24))))
      (local.set $r (i32.sub (local.get $r) (i32.shr_s (i32.shl (local.get $k) (i32.const 16)) (i32.const 16))))
      (local.set $r (i32.add (local.get $r) (i32.shr_s (i32.shl (local.get $a) (i32.const 16)) (i32.const 24))))
      (local.set $r (i32.add (local.get $r) (i32.shr_s (i32.shl (local.get $a) (i32.const 48)) (i32.const 16))))
      (local.set $r (i32.add (local.get $r) (i32.shr_s (i32.shl (local.get $k) (i32.const 24)) (i32.const 24))))
      (local.set $r (i32.shr_s (i32.shl (local.get $r) (i32.const 24)) (i32.const 24)))
      (local.set $a (i32.shr_s (i32.shl (local.get $a) (i32.const 24)) (i32.const 24)))
      (local.set $r (i32.add (local.get $r) (i32.mul (local.get $a) (i32.const 3))))
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    (i32.add (local.get $r) (i32.shr_s (i32.shl (call $id (local.get $n)) (i32.const 16)) (i32.const 16))))
  ;; rotates by constants (rorx with BMI2): left and right, i32 and i64,
  ;; counts 0, 1, 13, 31, 32, 33, 63, 64 (masked), from a register and from
  ;; the frame, into another register and in place
  (func (export "rot") (param $n i32) (result i32) (local $a i32) (local $r i32) (local $k i32)
    (local $w i64) (local $v i64)
    (local.set $k (i32.const 2))
    (local.set $w (i64.or (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 29)) (i64.const 0x8000000000000001)))
    (loop $l
      (local.set $a (i32.xor (local.get $n) (local.get $k)))
      (local.set $r (i32.add (local.get $r) (i32.rotl (local.get $a) (i32.const 1))))
      (local.set $r (i32.xor (local.get $r) (i32.rotl (local.get $a) (i32.const 13))))
      (local.set $r (i32.add (local.get $r) (i32.rotr (local.get $a) (i32.const 7))))
      (local.set $r (i32.xor (local.get $r) (i32.rotl (local.get $a) (i32.const 0))))
      (local.set $r (i32.add (local.get $r) (i32.rotr (local.get $a) (i32.const 31))))
      (local.set $r (i32.xor (local.get $r) (i32.rotl (local.get $a) (i32.const 32))))
      (local.set $r (i32.add (local.get $r) (i32.rotr (local.get $a) (i32.const 33))))
      (local.set $r (i32.xor (local.get $r) (i32.rotl (local.get $r) (i32.const 5))))
      (local.set $a (i32.rotr (local.get $a) (i32.const 9)))
      (local.set $r (i32.add (local.get $r) (local.get $a)))
      (local.set $v (i64.rotl (local.get $w) (i64.const 1)))
      (local.set $v (i64.xor (local.get $v) (i64.rotr (local.get $w) (i64.const 63))))
      (local.set $v (i64.add (local.get $v) (i64.rotl (local.get $w) (i64.const 31))))
      (local.set $v (i64.xor (local.get $v) (i64.rotr (local.get $w) (i64.const 33))))
      (local.set $v (i64.add (local.get $v) (i64.rotl (local.get $w) (i64.const 64))))
      (local.set $v (i64.add (local.get $v) (i64.rotr (local.get $w) (i64.const 0))))
      (local.set $w (i64.rotl (local.get $w) (i64.const 17)))
      (local.set $r (i32.xor (local.get $r) (i32.wrap_i64 (i64.xor (local.get $v) (i64.shr_u (local.get $v) (i64.const 32))))))
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    ;; from the frame (a value used once, not pinned) and of a call's result
    (i32.add (local.get $r)
      (i32.add (i32.rotl (call $id (local.get $n)) (i32.const 3))
               (i32.wrap_i64 (i64.rotr (i64.extend_i32_u (call $id (local.get $n))) (i64.const 5))))))
  ;; x & ~y written as xor -1 + and (one andn with BMI1): i32 and i64, the
  ;; -1 first or second, the negated value first or second in the and,
  ;; operands in registers, the frame, constants; into a local and a temporary
  (func (export "andn") (param $n i32) (result i32) (local $a i32) (local $b i32) (local $r i32)
    (local $k i32) (local $w i64) (local $v i64)
    (local.set $k (i32.const 2))
    (local.set $b (i32.const 0x0ff0f00f))
    (local.set $w (i64.or (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 31)) (i64.const 0x0123456789abcdef)))
    (loop $l
      (local.set $a (i32.xor (local.get $n) (i32.shl (local.get $k) (i32.const 7))))
      (local.set $r (i32.add (local.get $r) (i32.and (i32.xor (local.get $a) (i32.const -1)) (local.get $b))))
      (local.set $r (i32.xor (local.get $r) (i32.and (local.get $b) (i32.xor (i32.const -1) (local.get $a)))))
      (local.set $r (i32.add (local.get $r) (i32.and (i32.xor (local.get $a) (i32.const -1)) (i32.const 0x12345678))))
      (local.set $r (i32.sub (local.get $r) (i32.and (i32.xor (local.get $r) (i32.const -1)) (local.get $a))))
      (local.set $a (i32.and (i32.xor (local.get $a) (i32.const -1)) (local.get $r)))
      (local.set $r (i32.add (local.get $r) (local.get $a)))
      (local.set $v (i64.and (i64.xor (local.get $w) (i64.const -1)) (i64.const 0x7f00ff00ff00ff00)))
      (local.set $v (i64.add (local.get $v) (i64.and (local.get $v) (i64.xor (local.get $w) (i64.const -1)))))
      (local.set $w (i64.add (local.get $w) (i64.const 0x0101010101010101)))
      (local.set $r (i32.xor (local.get $r) (i32.wrap_i64 (i64.xor (local.get $v) (i64.shr_u (local.get $v) (i64.const 32))))))
      (local.set $r (i32.add (local.get $r) (i32.and (i32.xor (local.get $k) (i32.const 0xffff)) (local.get $b))))
      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    ;; from the frame (used once) and a call's result
    (i32.add (local.get $r)
      (i32.and (i32.xor (call $id (local.get $n)) (i32.const -1)) (call $id (i32.const 0x5a5a5a5a)))))
)
