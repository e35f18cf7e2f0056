;; Calls crossing the tiers: $simd_rec uses SIMD, which the JIT does not
;; compile yet, so it runs in the interpreter even in a JIT module; the other
;; functions are machine code there. Recursion through them must exhaust
;; the stack at the same depth, with the same fuel spent, in both tiers
;; (a fuzzer finding: the interpreter's entry marker took one frame more).
;; The interpreter also calls into machine code ($mixed_simd -> $mixed): a
;; trap deep in the mixed recursion ($chain / $chain_simd) must give the same
;; message and backtrace in both tiers, wherever it is raised. $spin is
;; entered in machine code in the middle of its loop (tiered).
(module
  (memory (export "memory") 1)
  (global $simd_limit (mut i32) (i32.const 1000))
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
    (call $mixed (local.get 0)))
  (func $chain (param i32) (result i32)
    (if (i32.ge_u (local.get 0) (i32.const 20)) (then unreachable))
    (if (i32.and (local.get 0) (i32.const 1))
      (then (return (call $chain_simd (i32.add (local.get 0) (i32.const 1))))))
    (i32.add (call $chain (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $chain_simd (param i32) (result i32)
    (drop (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
    (if (i32.ge_u (local.get 0) (global.get $simd_limit))
      (then (return (i32.div_u (local.get 0) (i32.const 0)))))
    (i32.add (call $chain (local.get 0)) (i32.const 2)))
  ;; traps in the machine code of $chain, under interpreted frames
  (func (export "trap_in_jit") (param i32) (result i32)
    (global.set $simd_limit (i32.const 1000))
    (call $chain (local.get 0)))
  ;; traps in the interpreted $chain_simd, under machine-code frames
  (func (export "trap_in_interp") (param i32) (result i32)
    (global.set $simd_limit (i32.const 20))
    (call $chain (local.get 0)))
  ;; entered in the interpreter
  (func (export "simd_first") (param i32) (result i32)
    (global.set $simd_limit (i32.const 1000))
    (call $chain_simd (local.get 0)))
  ;; a hot loop in a function called once: tiered, the running call
  ;; continues in machine code at the loop header (on-stack replacement),
  ;; with the same result, memory and fuel; 77777 iterations end in a trap
  (func $spin (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 2) (i32.const 3))))
      (i32.store (i32.and (i32.shl (local.get 2) (i32.const 2)) (i32.const 0xfffc)) (local.get 1))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 2) (local.get 0))))
    (if (i32.eq (local.get 0) (i32.const 77777)) (then unreachable))
    (i32.add (local.get 1) (i32.load (i32.const 400))))
  (func (export "spin") (param i32) (result i32)
    (call $spin (local.get 0)))
  (func (export "spin_trap") (param i32) (result i32)
    (i32.add (call $spin (i32.const 77777)) (i32.const 1)))
;; $spin_calls' loop calls $step on every iteration: $step gets hot and is
  ;; compiled, and the loop itself must still reach its machine code (the
  ;; interpreter's countdown to its next look for a hot loop goes on across
  ;; the calls; restarted by each call, it never ran out).
  (func $step (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 5)) (i32.const 1)))
  (func (export "spin_calls") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.xor (local.get 1) (call $step (local.get 2))))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 2) (local.get 0))))
    (local.get 1))
  ;; $big_a calls $big_b before $big_b was translated (--lazy): the call's
  ;; value-stack check needs $big_b's frame size, known only once it is
  ;; translated. Recursing through the two with the default call depth
  ;; exhausts the value stack first, at the same depth in both tiers (the
  ;; unfused interpreter's: fusion changes frame sizes). Machine code used
  ;; to check a frame of 0 cells, and $big_b's frame went past the stack's end.
  (func $big_a (export "big_rec") (param i32) (result i32)
    (call $big_b (i32.add (local.get 0) (i32.const 1))))
  (func $big_b (param i32) (result i32)
    (local
      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
      i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 150 (i64.extend_i32_u (local.get 0)))
    (i32.add (call $big_a (local.get 0)) (i32.wrap_i64 (local.get 150))))
  ;; Recursion until the call stack is exhausted, the depth reached stored
  ;; at address 0 (what an unmetered run, without fuel to compare, checks):
  ;; through machine code only, and alternating with the interpreted
  ;; $count_simd in a JIT module
  (func $count_rec (export "count_rec") (param i32) (result i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.add (call $count_rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $count_mixed (export "count_mixed") (param i32) (result i32)
    (i32.store (i32.const 0) (local.get 0))
    (if (i32.and (local.get 0) (i32.const 1))
      (then (return (call $count_simd (i32.add (local.get 0) (i32.const 1))))))
    (call $count_mixed (i32.add (local.get 0) (i32.const 1))))
  (func $count_simd (param i32) (result i32)
    (drop (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
    (i32.store (i32.const 0) (local.get 0))
    (call $count_mixed (local.get 0)))
  ;; One-cell results returned in rax to a direct caller, also from the
  ;; paths that run the callee in the interpreter: $simd_inc (not compiled:
  ;; the interpreter trampoline) in a loop with a pinned accumulator, and a
  ;; recursion deeper than the JIT's native stack budget (its innermost
  ;; calls run interpreted: the prologue's native-stack-low path), alone and
  ;; alternating with $sum_simd
  (func $simd_inc (param i32) (result i32)
    (i32x4.extract_lane 0 (i32x4.splat (i32.add (local.get 0) (i32.const 1)))))
  (func (export "sum_simd") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.mul (call $simd_inc (local.get 2)) (i32.const 3))))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 2) (local.get 0))))
    (local.get 1))
  (func $sum_rec (export "sum_rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (local.get 0) (call $sum_rec (i32.sub (local.get 0) (i32.const 1)))))))
  (func $sum_mixed (export "sum_mixed") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (local.get 0)
                     (if (result i32) (i32.and (local.get 0) (i32.const 1))
                       (then (call $sum_simd (i32.sub (local.get 0) (i32.const 1))))
                       (else (call $sum_mixed (i32.sub (local.get 0) (i32.const 1)))))))))
  (func $sum_simd (param i32) (result i32)
    (i32.add (i32x4.extract_lane 1 (i32x4.splat (local.get 0)))
             (call $sum_mixed (local.get 0))))
  ;; fib as the benchmark kernel's shape (the call's result slot pinned in
  ;; the caller), every call through the interpreted $fib_leaf
  (func $fib_simd (export "fib_simd") (param i32) (result i32) (local i32)
    (if (i32.ge_u (local.get 0) (i32.const 2))
      (then
        (loop $l
          (local.set 1 (i32.add (local.get 1) (call $fib_leaf (i32.sub (local.get 0) (i32.const 1)))))
          (local.set 0 (i32.sub (local.get 0) (i32.const 2)))
          (br_if $l (i32.gt_u (local.get 0) (i32.const 1))))))
    (i32.add (local.get 0) (local.get 1)))
  (func $fib_leaf (param i32) (result i32)
    (i32.add (i32x4.extract_lane 0 (i32x4.splat (i32.const 0))) (call $fib_simd (local.get 0))))
  ;; Tiered: $mid is compiled after 1,000 calls, then calls the cold $leaf
  ;; (interpreted, through the interpreter trampoline) 300 times, its
  ;; result slot pinned as in fib_simd
  (func $leaf (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.const 1)))
  (func $mid (param i32) (result i32) (local i32)
    (if (i32.ge_u (local.get 0) (i32.const 2))
      (then
        (loop $l
          (local.set 1 (i32.add (local.get 1) (call $leaf (i32.sub (local.get 0) (i32.const 1)))))
          (local.set 0 (i32.sub (local.get 0) (i32.const 2)))
          (br_if $l (i32.gt_u (local.get 0) (i32.const 1))))))
    (i32.add (local.get 0) (local.get 1)))
  (func (export "cold_leaf") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2)
        (call $mid (select (i32.const 6) (i32.const 0) (i32.ge_u (local.get 1) (i32.const 1000))))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2))
  ;; call_indirect in machine code: a callee of the module goes the way of a
  ;; direct call, its checks inline; the traps (index out of the table, null
  ;; entry, wrong signature), their backtraces and the depth at which
  ;; recursion through the table exhausts the stack are the interpreter's
  (type $to_i32 (func (param i32) (result i32)))
  (table $funcs 6 funcref)
  (elem (table $funcs) (i32.const 0) func $ind_inc $ind_seven $ind_rec)
  (func $ind_inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $ind_seven (result i32) (i32.const 7))
  (func $ind_rec (export "ind_rec") (param i32) (result i32)
    (i32.add (call_indirect $funcs (type $to_i32) (i32.add (local.get 0) (i32.const 1))
                            (i32.const 2))
             (i32.const 1)))
  ;; through the table to a callee whose first parameter is pinned (it
  ;; takes it from rdx, which call_indirect's path must set), twice: the
  ;; first call goes through the lazy trampoline
  (elem (table $funcs) (i32.const 5) func $ind_sum)
  (func $ind_sum (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (local.get 1))
  (func (export "ind_sum") (param i32) (result i32)
    (i32.sub (call_indirect $funcs (type $to_i32) (local.get 0) (i32.const 5)) ;; compiles it
             (call_indirect $funcs (type $to_i32) (i32.const 7) (i32.const 5))))
  ;; entry n of the table with argument 5: 6, then the traps
  (func (export "ind_call") (param i32) (result i32)
    (call_indirect $funcs (type $to_i32) (i32.const 5) (local.get 0)))
  ;; memory.copy in machine code (lengths up to 128 inline, forward or, when
  ;; the destination starts inside the source, by the helper): every length
  ;; 0..140 at every distance -20..20 between the ranges, then constant
  ;; lengths; the hash of the bytes around, then (argument != 0) a copy of
  ;; that many bytes ending past the memory's end: a trap
  (func $copy_hash (param $h i32) (result i32) (local $i i32)
    (loop $l
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))
                             (i32.load8_u offset=950 (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 300))))
    (local.get $h))
  (func $copy_fill (param $seed i32) (local $i i32)
    (loop $l
      (i32.store8 offset=950 (local.get $i)
                  (i32.add (i32.mul (local.get $i) (i32.const 7)) (local.get $seed)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 300)))))
  (func (export "copy_mix") (param $past i32) (result i32) (local $n i32) (local $d i32) (local $h i32)
    (loop $ln
      (local.set $d (i32.const -20))
      (loop $ld
        (call $copy_fill (local.get $n))
        (memory.copy (i32.add (i32.const 1050) (local.get $d)) (i32.const 1050) (local.get $n))
        (local.set $h (call $copy_hash (local.get $h)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br_if $ld (i32.le_s (local.get $d) (i32.const 20))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $ln (i32.le_u (local.get $n) (i32.const 140))))
    (call $copy_fill (i32.const 1))
    (memory.copy (i32.const 1053) (i32.const 1050) (i32.const 5))
    (memory.copy (i32.const 1040) (i32.const 1050) (i32.const 12))
    (memory.copy (i32.const 1100) (i32.const 1090) (i32.const 3))
    (memory.copy (i32.const 1010) (i32.const 1000) (i32.const 0))
    (memory.copy (i32.const 1001) (i32.const 1000) (i32.const 16))
    (memory.copy (i32.const 990) (i32.const 1000) (i32.const 40))
    (memory.copy (i32.const 960) (i32.const 1000) (i32.const 200))
    (local.set $h (call $copy_hash (local.get $h)))
    (if (local.get $past)
      (then (memory.copy (i32.sub (i32.const 65537) (local.get $past)) (i32.const 0) (local.get $past))))
    (local.get $h))
  ;; a call compiled after its callee: call rel32 straight to the callee's
  ;; machine code (linked_callee is called first, linked_caller then)
  (func $linked_callee (export "linked_callee") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func (export "linked_caller") (param i32) (result i32)
    (i32.add (call $linked_callee (local.get 0)) (i32.const 1))))
