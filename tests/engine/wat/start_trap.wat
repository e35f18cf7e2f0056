;; A start function that traps: instantiation fails with status TRAP.
(module
  (func $boom (unreachable))
  (start $boom))
