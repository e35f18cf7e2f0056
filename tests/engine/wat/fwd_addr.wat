;; Forwarded addresses (docs/engine.md, "The JIT"): an i32 add/sub/and/or/
;; xor whose result only the next load or store reads as its address is
;; computed in rax and never written to a register or the frame
;; (jit_x86.c, forwards_addr). engine_test.c (test_forwarded_addresses)
;; runs each export in the interpreter and in the JIT with explicit checks
;; and with guard pages: the same result or trap (message, backtrace with
;; the access's position), fuel and memory. Arguments near 2^31 and 2^32
;; give sums with the top bit set or wrapped in 32 bits: the guard mode
;; must fault (the forwarded index zero-extended), not wrap or read below
;; memory. Memory: one page (65,536 bytes).
(module
  (memory (export "memory") 1)
  (func $id (param $a i32) (result i32) (local.get $a))
  ;; add + load, sub + store: the address in rax only
  (func (export "ld_add") (param $a i32) (result i32)
    (i32.load offset=4 (i32.add (local.get $a) (i32.const 8))))
  (func (export "st_sub") (param $a i32) (result i32)
    (i32.store8 offset=1 (i32.sub (local.get $a) (i32.const 3)) (i32.const 0x5a)) (i32.const 1))
  (func (export "ld_and") (param $a i32) (result i32)
    (i32.wrap_i64 (i64.load16_s (i32.and (local.get $a) (i32.const 0xfffffffe)))))
  ;; after a call: its result (also in rax) is the operation's operand
  (func (export "after_call") (param $a i32) (result i32)
    (i32.load (i32.add (call $id (local.get $a)) (i32.const 4))))
  (func (export "st_after_call") (param $a i32) (result i32)
    (i64.store (i32.xor (call $id (local.get $a)) (i32.const 0)) (i64.const -1)) (i32.const 1))
  ;; a branch target between the operation and the access: the block's
  ;; value comes from the br_if on odd $a, from the last add on even ones
  (func (export "at_target") (param $a i32) (result i32)
    (i32.load8_u
      (block (result i32)
        (drop (br_if 0 (i32.add (local.get $a) (i32.const 1)) (i32.and (local.get $a) (i32.const 1))))
        (i32.add (local.get $a) (i32.const 2)))))
  ;; a loop storing through forwarded addresses until it walks off the end:
  ;; the trap after the last good store, in a callee (a two-frame backtrace)
  (func $walk (param $a i32) (result i32) (local $i i32)
    (loop $l
      (i32.store (i32.add (local.get $i) (local.get $a)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 4096)))
      (br $l))
    (i32.const 0))
  (func (export "walk") (param $a i32) (result i32)
    (i32.add (i32.const 1) (call $walk (local.get $a))))
)
