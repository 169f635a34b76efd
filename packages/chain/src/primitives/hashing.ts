import { blake2AsU8a, xxhashAsU8a } from '@polkadot/util-crypto'

const encoder = new TextEncoder()

export const twox128 = (data: Uint8Array | string): Uint8Array => xxhashAsU8a(typeof data === 'string' ? encoder.encode(data) : data, 128)
export const twox64 = (data: Uint8Array): Uint8Array => xxhashAsU8a(data, 64)
export const blake2_128 = (data: Uint8Array): Uint8Array => blake2AsU8a(data, 128)
export const blake2_256 = (data: Uint8Array): Uint8Array => blake2AsU8a(data, 256)

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return joinBytes(parts)
}

/**
 * The parts one after another in a new array. By hand, not `@polkadot/util`'s `u8aConcatStrict`:
 * on the codec's struct encoding (a few short parts per value) that was ~20 % slower.
 */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

/** FRAME's storage hashers, by their metadata names. */
export type Hasher = 'Blake2_128' | 'Blake2_256' | 'Blake2_128Concat' | 'Twox128' | 'Twox256' | 'Twox64Concat' | 'Identity'

export function hashKey(hasher: Hasher, encoded: Uint8Array): Uint8Array {
  switch (hasher) {
    case 'Blake2_128':
      return blake2_128(encoded)
    case 'Blake2_256':
      return blake2_256(encoded)
    case 'Blake2_128Concat':
      return concatBytes(blake2_128(encoded), encoded)
    case 'Twox128':
      return twox128(encoded)
    case 'Twox256':
      return xxhashAsU8a(encoded, 256)
    case 'Twox64Concat':
      return concatBytes(twox64(encoded), encoded)
    case 'Identity':
      return encoded
  }
}

/** How many bytes of hash precede the encoded key, for hashers that keep the key (`*Concat`, Identity). */
export function hashPrefixLength(hasher: Hasher): number | undefined {
  switch (hasher) {
    case 'Blake2_128Concat':
      return 16
    case 'Twox64Concat':
      return 8
    case 'Identity':
      return 0
    default:
      return undefined
  }
}
