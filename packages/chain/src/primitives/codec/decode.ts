import type { Codec } from 'scale-ts'
import { CrustError } from '@crust-ts/base'

/** Thrown when bytes do not decode as the expected SCALE type. */
export class CodecError extends CrustError {
  constructor(message: string, meta?: Record<string, unknown>, cause?: unknown) {
    super('CODEC_ERROR_INVALID_ENCODING', message, meta, { cause })
  }
}

/**
 * scale-ts decodes from the start of the input's underlying ArrayBuffer, ignoring `byteOffset`, so
 * views (subarrays, pooled Buffers) are copied first. The copy is a plain Uint8Array: a Buffer's
 * own `slice()` is another view of the same memory (a block hash read from an lmdb key as
 * `key.slice(4)` decoded as the 4 bytes before it plus 28 of its own, and a storage node that had
 * synced computed another state root than its peers for the block after).
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes)
}

/** Decodes trusted bytes (our own storage). */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array): T {
  return codec.dec(ownBuffer(bytes))
}

/**
 * Decodes untrusted bytes: the value must use every byte and re-encode to exactly the same bytes
 * (SCALE's canonical form), or a {@link CodecError} is thrown.
 */
export function decodeExact<T>(codec: Codec<T>, bytes: Uint8Array, what: string): T {
  let value: T
  try {
    value = codec.dec(ownBuffer(bytes))
  } catch (err) {
    throw new CodecError(`${what} does not decode`, { what }, err)
  }
  let again: Uint8Array
  try {
    again = codec.enc(value)
  } catch (err) {
    throw new CodecError(`${what} does not decode`, { what }, err)
  }
  if (again.length !== bytes.length || !Buffer.from(again).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
    throw new CodecError(`${what} has trailing or non-canonical bytes`, { what, expected: again.length, got: bytes.length })
  }
  return value
}
