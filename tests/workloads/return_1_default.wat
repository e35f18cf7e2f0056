;; The same through the "" export (upstream's default-function lookup).
(module
  (func (export "") (result i32)
    i32.const 1))
