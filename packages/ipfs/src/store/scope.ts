/**
 * Iterates `make()` running every step of it (creation, each `next()`, the final `return()`)
 * through `around`, e.g. inside an AsyncLocalStorage scope: an async generator's body runs in the
 * context of whoever calls `next()`, so the scope must wrap each call.
 */
export async function* iterateWithin<T>(around: <R>(fn: () => R) => R, make: () => AsyncIterable<T>): AsyncGenerator<T> {
  const it = around(() => make()[Symbol.asyncIterator]())
  let finished = false
  try {
    while (true) {
      const result = await around(() => it.next())
      if (result.done === true) {
        finished = true
        return
      }
      yield result.value
    }
  } finally {
    if (!finished) await around(async () => it.return?.())
  }
}
