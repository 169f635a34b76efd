/**
 * Gives `bytes`' memory back now instead of at the next garbage collection, when `bytes` is the
 * whole of an `ArrayBuffer` of its own (never a view into a shared one, such as Node's Buffer
 * pool: the other views would lose their bytes); `bytes` is empty afterwards. For large buffers a
 * loop makes and drops: V8 frees them only when a collection finds them dead, and glibc keeps the
 * heap those tens of MiB grew for in the process's RSS after they are freed. Returns whether it
 * released them.
 */
export function releaseBytes(bytes: Uint8Array): boolean {
  const { buffer } = bytes
  if (!(buffer instanceof ArrayBuffer) || buffer.detached || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return false
  buffer.transfer(0)
  return true
}
