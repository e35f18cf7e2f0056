;; Traps in a named function two calls deep: the runtime must say what
;; trapped, where, and exit with status 1.
(module
  (func $divide (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func $compute (result i32)
    i32.const 7
    i32.const 0
    call $divide)
  (func $main (export "_start")
    call $compute
    drop))
