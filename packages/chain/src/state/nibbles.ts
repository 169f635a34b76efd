/** Nibble `i` of `key` (high nibble of each byte first). */
export function nibbleAt(key: Uint8Array, i: number): number {
  const b = key[i >> 1]!
  return (i & 1) === 0 ? b >> 4 : b & 0x0f
}

/** Nibbles `start..` of `key`, one per byte. */
export function toNibbles(key: Uint8Array, start = 0): Uint8Array {
  const n = key.length * 2
  const out = new Uint8Array(n - start)
  for (let i = start; i < n; i++) out[i - start] = nibbleAt(key, i)
  return out
}

/** Packs an even number of nibbles (one per entry) back into bytes. */
export function fromNibbles(nibbles: ArrayLike<number>, length: number): Uint8Array {
  const out = new Uint8Array(length >> 1)
  for (let i = 0, j = 0; i < length; i += 2, j++) out[j] = (nibbles[i]! << 4) | nibbles[i + 1]!
  return out
}

/** Bytewise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Number of set bits in a 16-bit mask. */
export function popcount16(x: number): number {
  x = x - ((x >> 1) & 0x5555)
  x = (x & 0x3333) + ((x >> 2) & 0x3333)
  x = (x + (x >> 4)) & 0x0f0f
  return (x + (x >> 8)) & 0x1f
}
