/** SCALE compact integers, read and written by hand (they sit on the extrinsic and block hot paths). */

/** Reads a SCALE compact integer at `offset`. */
export function readCompact(bytes: Uint8Array, offset: number): { value: bigint; length: number } | undefined {
  const b0 = bytes[offset]
  if (b0 === undefined) return undefined
  switch (b0 & 3) {
    case 0:
      return { value: BigInt(b0 >> 2), length: 1 }
    case 1:
      if (offset + 2 > bytes.length) return undefined
      return { value: BigInt((b0 | (bytes[offset + 1]! << 8)) >> 2), length: 2 }
    case 2:
      if (offset + 4 > bytes.length) return undefined
      return {
        value: BigInt(((b0 | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) >>> 2) + bytes[offset + 3]! * 2 ** 22),
        length: 4,
      }
    default: {
      const n = (b0 >> 2) + 4
      if (offset + 1 + n > bytes.length) return undefined
      let v = 0n
      for (let i = n; i >= 1; i--) v = (v << 8n) | BigInt(bytes[offset + i]!)
      return { value: v, length: 1 + n }
    }
  }
}

export function encodeCompact(value: number | bigint): Uint8Array {
  const v = BigInt(value)
  if (v < 1n << 6n) return Uint8Array.of(Number(v) << 2)
  if (v < 1n << 14n) return Uint8Array.of(((Number(v) << 2) | 1) & 0xff, Number(v) >> 6)
  if (v < 1n << 30n) {
    const n = (Number(v) * 4 + 2) >>> 0
    return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff)
  }
  const out: number[] = []
  let x = v
  while (x > 0n) {
    out.push(Number(x & 0xffn))
    x >>= 8n
  }
  return Uint8Array.of(((out.length - 4) << 2) | 3, ...out)
}
