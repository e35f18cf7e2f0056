;; Float compares feeding a branch (`if`, `br_if`): the JIT branches on the
;; flags of ucomisd (no value written when only the branch reads it), so
;; unordered operands (NaN) must take the same way as in the interpreter.
;; engine_test.c (test_bounds' table) runs "fbranch" in both tiers with x
;; below, equal to, above 5 and NaN: the bits of the result say which
;; relations held.
(module
  (memory (export "memory") 1)
  (func (export "fbranch") (param $a i32) (result i32) (local $x f64) (local $r i32) (local $c i32)
    (local.set $x
      (if (result f64) (i32.eq (local.get $a) (i32.const 99))
        (then (f64.const nan))
        (else (f64.convert_i32_s (local.get $a)))))
    (if (f64.eq (local.get $x) (f64.const 5)) (then (local.set $r (i32.or (local.get $r) (i32.const 1)))))
    (if (f64.ne (local.get $x) (f64.const 5)) (then (local.set $r (i32.or (local.get $r) (i32.const 2)))))
    (if (f64.lt (local.get $x) (f64.const 5)) (then (local.set $r (i32.or (local.get $r) (i32.const 4)))))
    (if (f64.gt (local.get $x) (f64.const 5)) (then (local.set $r (i32.or (local.get $r) (i32.const 8)))))
    (if (f64.le (local.get $x) (f64.const 5)) (then (local.set $r (i32.or (local.get $r) (i32.const 16)))))
    (if (f64.ge (local.get $x) (f64.const 5)) (then (local.set $r (i32.or (local.get $r) (i32.const 32)))))
    (block $b
      (br_if $b (f32.lt (f32.demote_f64 (local.get $x)) (f32.const 5)))
      (local.set $r (i32.or (local.get $r) (i32.const 64))))
    (block $b
      (br_if $b (f32.ne (f32.demote_f64 (local.get $x)) (f32.const 5)))
      (local.set $r (i32.or (local.get $r) (i32.const 128))))
    ;; i32.eqz of a compare: the opposite condition (NaN: eqz of false)
    (if (i32.eqz (f64.lt (local.get $x) (f64.const 5))) (then (local.set $r (i32.or (local.get $r) (i32.const 0x100)))))
    (if (i32.eqz (f64.eq (local.get $x) (f64.const 5))) (then (local.set $r (i32.or (local.get $r) (i32.const 0x200)))))
    (block $b
      (br_if $b (i32.eqz (f64.ge (local.get $x) (f64.const 5))))
      (local.set $r (i32.or (local.get $r) (i32.const 0x400))))
    (if (i32.eqz (i32.lt_s (local.get $a) (i32.const 5))) (then (local.set $r (i32.or (local.get $r) (i32.const 0x800)))))
    (local.set $r (i32.or (local.get $r) (i32.shl (i32.eqz (f64.gt (local.get $x) (f64.const 5))) (i32.const 12))))
    (block $b
      (br_if $b (i32.eqz (f32.ne (f32.demote_f64 (local.get $x)) (f32.const 5))))
      (local.set $r (i32.or (local.get $r) (i32.const 0x2000))))
    (local.set $r (i32.or (local.get $r)
      (i32.shl (i32.eqz (local.tee $c (f64.le (local.get $x) (f64.const 5)))) (i32.const 14))))
    (local.set $r (i32.or (local.get $r) (i32.shl (local.get $c) (i32.const 15))))
    (if (i32.eqz (local.tee $c (i32.gt_u (local.get $a) (i32.const 5))))
      (then (local.set $r (i32.or (local.get $r) (i32.const 0x10000)))))
    (local.set $r (i32.or (local.get $r) (i32.shl (local.get $c) (i32.const 17))))
    (local.get $r))
)
