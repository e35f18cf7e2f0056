;; With two NaN operands x86 returns the first (quieted), and so do the JIT
;; and V8 on x86: the interpreter must too, in its plain and fused handlers
;; and however it is compiled. C lets the compiler swap the operands of + and
;; *, and it did: the fused x + a*b gave a*b's NaN (gen_diff seed 37521), and
;; the -O1 ASan build's plain f64.mul from memory gave the other payload
;; (seed 1773). Every function is called with NaNs of distinct payloads and
;; returns the bits of its result.
(module
  (memory 1)
  (func (export "f64_add") (param f64 f64) (result i64)
    (i64.reinterpret_f64 (f64.add (local.get 0) (local.get 1))))
  (func (export "f64_mul") (param f64 f64) (result i64)
    (i64.reinterpret_f64 (f64.mul (local.get 0) (local.get 1))))
  (func (export "f32_add") (param f32 f32) (result i32)
    (i32.reinterpret_f32 (f32.add (local.get 0) (local.get 1))))
  (func (export "f32_mul") (param f32 f32) (result i32)
    (i32.reinterpret_f32 (f32.mul (local.get 0) (local.get 1))))
  (func (export "f64_max") (param f64 f64) (result i64)
    (i64.reinterpret_f64 (f64.max (local.get 0) (local.get 1))))
  ;; x + a*b (F64_MUL_ADD) and a*b + x (F64_MUL_ADD_R): the NaN is x's, then a's
  (func (export "mul_add") (param f64 f64 f64) (result i64)
    (i64.reinterpret_f64 (f64.add (local.get 0) (f64.mul (local.get 1) (local.get 2)))))
  (func (export "mul_add_r") (param f64 f64 f64) (result i64)
    (i64.reinterpret_f64 (f64.add (f64.mul (local.get 1) (local.get 2)) (local.get 0))))
  ;; x op mem[8] (the _M forms) and x op mem[p+q] (the _MA forms): x's NaN
  (func (export "add_mem") (param f64 f64) (result i64)
    (f64.store (i32.const 8) (local.get 1))
    (i64.reinterpret_f64 (f64.add (local.get 0) (f64.load (i32.const 8)))))
  (func (export "mul_mem") (param f64 f64) (result i64)
    (f64.store (i32.const 8) (local.get 1))
    (i64.reinterpret_f64 (f64.mul (local.get 0) (f64.load (i32.const 8)))))
  (func (export "add_mem_at_sum") (param f64 f64) (result i64) (local i32 i32)
    (local.set 2 (i32.const 4))
    (local.set 3 (i32.const 12))
    (f64.store (i32.const 16) (local.get 1))
    (i64.reinterpret_f64
      (f64.add (local.get 0) (f64.load (i32.add (local.get 2) (local.get 3))))))
  ;; mem[8] = mem[8] + x (F64_ADD_ST): mem[8]'s NaN; mem[p] = x + mem[p]
  ;; (read-modify-write): x's NaN
  (func (export "add_store") (param f64 f64) (result i64)
    (f64.store (i32.const 8) (local.get 0))
    (f64.store (i32.const 8) (f64.add (f64.load (i32.const 8)) (local.get 1)))
    (i64.load (i32.const 8)))
  (func (export "add_rmw") (param f64 f64) (result i64) (local i32)
    (local.set 2 (i32.const 8))
    (f64.store (local.get 2) (local.get 1))
    (f64.store (local.get 2) (f64.add (local.get 0) (f64.load (local.get 2))))
    (i64.load (local.get 2))))
