;; Test module (tests/user-firmware.test.ts): imports env.foo, which is not in the ABI.
(module
  (import "env" "mmio_read" (func $mmio_read (param i32) (result i32)))
  (import "env" "foo" (func $foo (param i32)))
  (memory (export "memory") 1)
  (func (export "main") (call $foo (call $mmio_read (i32.const 0)))))
