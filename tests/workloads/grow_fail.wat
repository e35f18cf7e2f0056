;; Exhausts its memory: grows until memory.grow fails, then prints how far it
;; got and traps the way a C program's abort() would.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory 1 64)
  (data (i32.const 16) "memory exhausted\n")
  (func $out_of_memory
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 17))
    (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    unreachable)
  (func (export "_start")
    (loop $grow
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
        (then (call $out_of_memory)))
      (br $grow))))
