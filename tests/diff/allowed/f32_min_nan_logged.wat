;; Finding 3001363, reduced: the NaN from f32.min (any quiet NaN allowed,
;; as above) is reinterpreted as an integer and converted to f64, so the
;; NaN bits become an ordinary number in the log: ours -81.0 (from
;; 0xffffffaf), V8 -4194304.0 (from 0xffc00000). Only the --denan rerun can
;; tell this from a real difference.
(module
  (import "fuzzing-support" "log-f64" (func $log (param f64)))
  (func (export "func_13_invoker")
    (call $log (f64.convert_i32_s (i32.reinterpret_f32
      (f32.min (f32.const -nan:0x7fffaf) (f32.const 0x1.d3bcp+14)))))))
