;; The JIT's bounds-check elimination (docs/engine.md, "The JIT"): inside a
;; basic block, an access to an address slot already checked for an end at
;; least as far needs no check; a write to the slot or a branch target in
;; between, or a farther end, needs one. Each export is run in the
;; interpreter and the JIT with in-bounds and out-of-bounds arguments and
;; must give the same result or trap, and the same memory (engine_test.c,
;; test_bounds). Memory: one page (65,536 bytes), at most two.
(module
  (memory (export "memory") 1 2)
  ;; a farther end on the same address: i32 then i64, then offset 4
  (func (export "past_checked") (param $a i32) (result i32)
    (i32.add
      (i32.add (i32.load (local.get $a)) (i32.wrap_i64 (i64.load (local.get $a))))
      (i32.load offset=4 (local.get $a))))
  ;; a nearer end after a farther one: proven
  (func (export "nearer") (param $a i32) (result i32)
    (i32.add (i32.load offset=8 (local.get $a)) (i32.load8_u offset=3 (local.get $a))))
  ;; the address slot overwritten between two accesses
  (func (export "overwritten") (param $a i32) (result i32) (local $s i32)
    (local.set $s (i32.load (local.get $a)))
    (local.set $a (i32.add (local.get $a) (i32.const 4)))
    (i32.add (local.get $s) (i32.load (local.get $a))))
  ;; overwritten by a load from its own address
  (func (export "self_load") (param $a i32) (result i32)
    (i32.store (local.get $a) (i32.add (i32.const 65534) (i32.and (local.get $a) (i32.const 1))))
    (local.set $a (i32.load (local.get $a)))
    (i32.load16_u (local.get $a)))
  ;; a branch target between two accesses: the path that jumps there
  ;; (odd $a) brings an unchecked address
  (func (export "join") (param $a i32) (result i32) (local $p i32) (local $s i32)
    (local.set $p (local.get $a))
    (block $join
      (br_if $join (i32.and (local.get $a) (i32.const 1)))
      (local.set $p (i32.const 8))
      (local.set $s (i32.load (local.get $p))))
    (i32.add (local.get $s) (i32.load (local.get $p))))
  ;; memory.grow between two accesses: a check before it still holds, the
  ;; farther end after it is checked against the new size (or the old one
  ;; when growing fails)
  (func (export "grow") (param $a i32) (result i32)
    (i32.store (local.get $a) (i32.const 7))
    (drop (memory.grow (i32.const 1)))
    (i32.store offset=65532 (local.get $a) (i32.const 9))
    (i32.add (i32.load (local.get $a)) (i32.load offset=65532 (local.get $a))))
  (func (export "grow_fails") (param $a i32) (result i32)
    (i32.store (local.get $a) (i32.const 7))
    (drop (memory.grow (i32.const 5)))
    (i32.load offset=65532 (local.get $a)))
  ;; constant addresses: the second end is farther
  (func (export "const_addr") (param $a i32) (result i32)
    (i32.store (i32.const 65528) (local.get $a))
    (i32.add (i32.load (i32.const 65528))
      (i32.load offset=8 (i32.const 65528))))
  ;; a loop walking up to (and past) the end, two accesses per iteration,
  ;; the second at a farther end
  (func (export "walk") (param $a i32) (result i32) (local $p i32) (local $s i32)
    (local.set $p (i32.const 65000))
    (loop $l
      (i32.store (local.get $p) (local.get $p))
      (local.set $s (i32.add (local.get $s) (i32.load offset=4 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $p) (local.get $a))))
    (local.get $s))
  ;; an i32 address that went through an f32 register (the upper half of
  ;; its register is not known to be zero): still checked on its low 32 bits
  (func (export "via_float") (param $a i32) (result i32) (local $f f32) (local $p i32) (local $s i32)
    (local.set $f (f32.add (f32.reinterpret_i32 (local.get $a)) (f32.const 0)))
    (local.set $p (i32.reinterpret_f32 (local.get $f)))
    (local.set $s (i32.load (local.get $p)))
    (i32.add (local.get $s) (i32.load (local.get $p))))
  ;; an address from a 64-bit value's low half
  (func (export "wrapped") (param $a i32) (result i32) (local $x i64) (local $p i32)
    (local.set $x (i64.or (i64.shl (i64.const 0xffffffff) (i64.const 32)) (i64.extend_i32_u (local.get $a))))
    (local.set $p (i32.wrap_i64 (local.get $x)))
    (i32.add (i32.load (local.get $p)) (i32.load offset=2 (local.get $p))))
  ;; a float load whose address temporary receives the value, multiplied in
  ;; place (LD_I64 t, t; F64_MUL t, t, x: the load as mulsd's memory
  ;; operand): the address must be read before t's register is written (a
  ;; finding of the nbody kernel)
  (func (export "load_operand") (param $a i32) (result i32) (local $x f64)
    (f64.store (local.get $a) (f64.const 1.5))
    (local.set $x (f64.convert_i32_u (local.get $a)))
    (i32.add (local.get $a)
      (i32.trunc_f64_u
        (f64.add (f64.mul (f64.mul (f64.mul (f64.load (i32.add (local.get $a) (i32.const 0)))
                                            (local.get $x)) (local.get $x)) (local.get $x))
                 (local.get $x)))))
)
