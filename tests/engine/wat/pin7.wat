;; Guard mode pins a seventh i32 value in r15 (jit_x86.c pin_gprs), which
;; explicit bounds mode keeps for memory 0's size; guard mode reads the size
;; from jit_ctx.mem_size instead. Eight hot locals, mixed every iteration,
;; take all seven GPR pins; every 32nd iteration the paths that read or
;; reload memory's size run between two rounds: memory.size, memory.grow
;; (a C helper, then the reload), memory.copy's inline bounds check,
;; memory.fill and a call (pins written back and reloaded around both),
;; then an 8-byte store n + 4 bytes before memory's end (n goes down by 4
;; each time), which traps out of bounds once it passes the end (a
;; guard-page fault with every pin live), as memory.copy does before it
;; for n < 8. A pinned value
;; clobbered by a size reload, or a size read from a pinned register,
;; changes the result, the memory or the trap.
(module
  (memory (export "memory") 1 4)

  (func $mix (param $x i32) (result i32)
    (i32.xor (i32.rotl (local.get $x) (i32.const 5)) (i32.const 0x5bd1e995)))

  (func (export "run") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32) (local $i i32) (local $p i32)
    (local.set $a (i32.const 0x6a09e667)) (local.set $b (i32.const 0xbb67ae85))
    (local.set $c (i32.const 0x3c6ef372)) (local.set $d (i32.const 0xa54ff53a))
    (local.set $e (i32.const 0x510e527f)) (local.set $f (i32.const 0x9b05688c))
    (local.set $g (i32.const 0x1f83d9ab)) (local.set $h (i32.const 0x5be0cd19))
    (loop $l
      ;; a round: each of a..h read three times, written once
      (local.set $a (i32.add (local.get $a) (i32.xor (local.get $b) (local.get $h))))
      (local.set $b (i32.add (local.get $b) (i32.xor (local.get $c) (local.get $a))))
      (local.set $c (i32.add (local.get $c) (i32.xor (local.get $d) (local.get $b))))
      (local.set $d (i32.add (local.get $d) (i32.xor (local.get $e) (local.get $c))))
      (local.set $e (i32.add (local.get $e) (i32.xor (local.get $f) (local.get $d))))
      (local.set $f (i32.add (local.get $f) (i32.xor (local.get $g) (local.get $e))))
      (local.set $g (i32.add (local.get $g) (i32.xor (local.get $h) (local.get $f))))
      (local.set $h (i32.rotl (i32.add (local.get $h) (local.get $g)) (i32.const 7)))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 31)))
        (then
          ;; the size, in pages, into a value that is live in a pin
          (local.set $h (i32.add (local.get $h) (memory.size)))
          ;; grows once, at the 96th iteration: 1 -> 2 pages
          (if (i32.eq (local.get $i) (i32.const 96))
            (then (local.set $g (i32.xor (local.get $g) (memory.grow (i32.const 1))))))
          ;; n bytes before the end (its current size): 8 bytes from a's
          ;; bytes there, then 8 at 4 bytes further
          (local.set $p (i32.sub (i32.shl (memory.size) (i32.const 16)) (local.get $n)))
          (memory.copy (local.get $p) (i32.and (local.get $a) (i32.const 0xfff8)) (i32.const 8))
          (memory.fill (i32.and (local.get $c) (i32.const 0xfff0)) (local.get $d) (i32.const 8))
          (local.set $e (i32.add (local.get $e) (call $mix (local.get $f))))
          (local.set $f (i32.add (local.get $f) (memory.size)))
          ;; a guard-page fault (or explicit check) with every pin live
          (i64.store offset=4 (local.get $p) (i64.extend_i32_u (i32.xor (local.get $a) (local.get $h))))
          (local.set $n (i32.sub (local.get $n) (i32.const 4)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 200))))
    (i32.xor
      (i32.xor (i32.xor (local.get $a) (local.get $b)) (i32.xor (local.get $c) (local.get $d)))
      (i32.add (i32.xor (i32.xor (local.get $e) (local.get $f)) (i32.xor (local.get $g) (local.get $h)))
               (i32.mul (memory.size) (i32.const 1000003))))))
