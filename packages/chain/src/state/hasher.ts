import { blake2b as wasmBlake2b, isReady } from '@polkadot/wasm-crypto'
import { blake2AsU8a } from '@polkadot/util-crypto'

/** Length in bytes of a trie node hash. */
export const HASH_LENGTH = 32

const NO_KEY = new Uint8Array(0)

/**
 * blake2b-256 of `data`. Uses the WASM implementation of `@polkadot/wasm-crypto` once
 * `cryptoWaitReady()` has resolved (measured ~3.5-6x faster than `@noble/hashes` on trie-node-sized
 * inputs); before that it falls back to the pure-JS one, with identical output.
 */
export function blake2b256(data: Uint8Array): Uint8Array {
  return isReady() ? wasmBlake2b(data, NO_KEY, HASH_LENGTH) : blake2AsU8a(data, 256)
}
