/**
 * SCALE compact lengths read and written on raw bytes, for code that walks or splices stored values
 * without decoding them (a `Vec`'s item count, a byte string's length). Lengths of 2^30 and more
 * (the big-integer mode) are refused: no stored list or key gets near them.
 */

/** The compact length at `at` of `bytes`: its value and how many bytes it takes. */
export function readCompactLength(bytes: Uint8Array, at = 0): { value: number; size: number } {
  const b0 = bytes[at]!
  switch (b0 & 3) {
    case 0:
      return { value: b0 >>> 2, size: 1 }
    case 1:
      return { value: (b0 | (bytes[at + 1]! << 8)) >>> 2, size: 2 }
    case 2:
      return { value: (b0 | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 2, size: 4 }
    default:
      throw new RangeError('a compact length of 2^30 or more')
  }
}

/** The compact encoding of a length below 2^30. */
export function encodeCompactLength(length: number): Uint8Array {
  if (length < 1 << 6) return Uint8Array.of(length << 2)
  if (length < 1 << 14) return Uint8Array.of(((length << 2) | 1) & 0xff, length >>> 6)
  if (length < 1 << 30) {
    const v = ((length << 2) | 2) >>> 0
    return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)
  }
  throw new RangeError('a compact length of 2^30 or more')
}
