/** Multicodec and multihash names the API accepts (the subset of Kubo's tables this node can use). */
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import type { MultihashHasher } from 'multiformats/hashes/interface'
import { KuboApiError } from '../errors.js'

export const CODECS: Record<string, number> = {
  raw: 0x55,
  'dag-pb': 0x70,
  'dag-cbor': 0x71,
  'libp2p-key': 0x72,
  'dag-json': 0x0129,
  json: 0x0200,
  cbor: 0x51,
}

export const HASHERS: Record<string, MultihashHasher<number>> = {
  'sha2-256': sha256,
  'sha2-512': sha512,
  identity,
}

/** Code of a multicodec name; Kubo's error for unknown names. */
export function codecCode(name: string): number {
  const code = CODECS[name]
  if (code === undefined) throw KuboApiError.command(`unknown multicodec: ${JSON.stringify(name)}`)
  return code
}

/** Hasher of a multihash name. */
export function hasher(name: string, message = `unrecognized multihash function: ${name}`): MultihashHasher<number> {
  const h = HASHERS[name]
  if (h === undefined) throw KuboApiError.command(message)
  return h
}
