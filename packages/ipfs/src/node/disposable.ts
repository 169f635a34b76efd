/**
 * Input memory a consumer may free as soon as it has copied it. Node's HTTP parser hands every
 * piece of a request body over in memory of its own (one allocation per socket read, 64 KiB), and
 * V8 frees that memory only when a major GC finds it unreachable: an upload of 256 MiB drove
 * eight to ten full GCs (their marking was a quarter of the add's CPU time), and each piece was
 * copied by the parser into memory the kernel had to fault in. The upload's reader marks the
 * pieces it owns; a consumer that copied one and reads no more of it detaches it
 * (`ArrayBuffer.prototype.transfer(0)`), which frees the memory at once, so the next socket read
 * reuses it.
 */
const owned = new WeakSet<ArrayBuffer>()

/**
 * Marks `piece` as freeable once consumed. Only for a piece that is the whole of its memory (a
 * view of part of an ArrayBuffer, such as a slice of Node's shared Buffer pool, is never marked)
 * and that the caller hands on to one reader and keeps no view of.
 */
export function markDisposable(piece: Uint8Array): void {
  const buffer = piece.buffer
  if (buffer instanceof ArrayBuffer && piece.byteOffset === 0 && piece.byteLength === buffer.byteLength) owned.add(buffer)
}

/**
 * Frees the memory under `piece` if it was marked and `piece` reaches its end: the consumer read
 * the views of it in order (an upload's parser slices each piece in order), so no part of it is
 * to come. Call it only once every byte of `piece` was copied out and nothing keeps a view of it.
 */
export function disposeConsumed(piece: Uint8Array): void {
  const buffer = piece.buffer
  if (!(buffer instanceof ArrayBuffer) || !owned.has(buffer) || piece.byteOffset + piece.byteLength !== buffer.byteLength) return
  owned.delete(buffer)
  if (!buffer.detached) buffer.transfer(0)
}
