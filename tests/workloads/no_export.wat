;; Upstream's no_export: nothing to run.
(module
  (func $f (result i32) i32.const 0)
  (export "not_start" (func $f)))
