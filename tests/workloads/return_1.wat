;; Upstream's return_1: an entry point that returns a value; the value is not
;; the exit status (a WASI command reports its status through proc_exit).
(module
  (func (export "_start") (result i32)
    i32.const 1))
