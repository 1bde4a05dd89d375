// The module imports nothing, so it runs unchanged under Node, browsers and
// Wasmtime. A failed assertion (debug builds only; release builds pass
// --noAssert) becomes a plain trap; the host rethrows traps as RUN_TRAP.
export function abortHandler(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
