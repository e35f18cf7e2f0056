;; Traps in the start function, during instantiation.
(module
  (func $boom unreachable)
  (start $boom)
  (func (export "_start")))
