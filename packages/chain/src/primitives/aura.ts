/**
 * Aura, as Substrate lays it out: the author puts `PreRuntime('aura', slot as SCALE u64)` in the
 * digest and seals the header with `Seal('aura', sr25519 signature of the pre-seal header hash)` as
 * the last digest item. The block hash covers the sealed header. slot = floor(timestamp / block
 * time); the slot's author is `authorities[slot % authorities.length]`.
 */
import { Keyring } from '@polkadot/keyring'
import { sr25519Verify } from '@polkadot/wasm-crypto'
import type { DigestItem } from './digest.js'
import { encodeHeader, type Header, hashHeader } from './header.js'

/** The 4-byte engine id `aura`. */
export const AURA_ENGINE_ID = Uint8Array.from([0x61, 0x75, 0x72, 0x61])

/** Signs block headers for one authority (its sr25519 account key). */
export interface BlockSigner {
  /** The authority's account id (sr25519 public key). */
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Uint8Array
}

/** The signer of an sr25519 secret URI, e.g. `//Alice//stash`. Needs `cryptoWaitReady()` first. */
export function signerFromUri(uri: string): BlockSigner {
  const pair = new Keyring({ type: 'sr25519' }).addFromUri(uri)
  return { publicKey: pair.publicKey, sign: (message) => pair.sign(message) }
}

export const slotOf = (timestampMs: bigint | number, blockTimeMs: number): number => Math.floor(Number(timestampMs) / blockTimeMs)

/** The author of `slot` among `authorities` (account ids). */
export function slotAuthor(slot: number, authorities: readonly Uint8Array[]): Uint8Array {
  const author = authorities[slot % authorities.length]
  if (author === undefined) throw new RangeError('empty authority set')
  return author
}

function u64le(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true)
  return out
}

const isAura = (engine: Uint8Array): boolean => engine.length === 4 && engine.every((b, i) => b === AURA_ENGINE_ID[i])

export function auraPreDigest(slot: number): DigestItem {
  return { tag: 'PreRuntime', value: [AURA_ENGINE_ID, u64le(slot)] }
}

/** The Aura slot of a header, or undefined when it has no (well-formed) Aura pre-runtime digest. */
export function findSlot(header: Header): number | undefined {
  for (const item of header.digest) {
    if (item.tag !== 'PreRuntime' || !isAura(item.value[0])) continue
    const data = item.value[1]
    if (data.length !== 8) return undefined
    const slot = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true)
    return slot > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(slot)
  }
  return undefined
}

/** Appends the Aura seal: `signer`'s signature of the hash of `header` as it is (pre-seal). */
export function sealHeader(header: Header, signer: BlockSigner): Header {
  const preHash = hashHeader(encodeHeader(header))
  return { ...header, digest: [...header.digest, { tag: 'Seal', value: [AURA_ENGINE_ID, signer.sign(preHash)] }] }
}

/** Splits a sealed header into the pre-seal header and the seal signature (undefined if unsealed). */
export function unsealHeader(header: Header): { preHeader: Header; signature: Uint8Array } | undefined {
  const last = header.digest.at(-1)
  if (last === undefined || last.tag !== 'Seal' || !isAura(last.value[0])) return undefined
  return { preHeader: { ...header, digest: header.digest.slice(0, -1) }, signature: last.value[1] }
}

/** Whether `signature` is `publicKey`'s sr25519 signature of the pre-seal header's hash. */
export function verifySeal(preHeader: Header, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64) return false
  try {
    return sr25519Verify(signature, hashHeader(encodeHeader(preHeader)), publicKey)
  } catch {
    return false
  }
}
