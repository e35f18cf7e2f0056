;; A memory larger than a store's limit.
(module (memory (export "memory") 100))
