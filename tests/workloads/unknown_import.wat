;; Imports something a Keep does not provide.
(module
  (import "env" "host_magic" (func $magic (result i32)))
  (func (export "_start") (drop (call $magic))))
