;; Exports used by consumer.wat: a function, a table, a global, a memory.
(module
  (func $f (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 100)))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $f)
  (global (export "counter") (mut i32) (i32.const 5))
  (memory (export "mem") 1))
