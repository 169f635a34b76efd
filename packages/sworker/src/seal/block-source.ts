import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../enclave/interface.js'
import type { BlockSource } from './interface.js'

/** The part of a Kubo RPC client (the SDK's `KuboClient`, or kubo-rpc-client's) the sealer uses. */
export interface KuboBlockApi {
  block: { get(cid: CID, options?: AbortOptions): Promise<Uint8Array> }
}

/** Blocks from a Kubo RPC API (`/api/v0/block/get`) through a Kubo RPC client. */
export function kuboBlockSource(client: KuboBlockApi): BlockSource {
  return {
    get: (cid, options = {}) => client.block.get(cid, options.signal === undefined ? {} : { signal: options.signal }),
  }
}

/** Anything shaped like an interface-blockstore `Blockstore` (whose `get` gives bytes, a promise of bytes, or chunks). */
export interface BlockstoreLike {
  get(cid: CID, options?: AbortOptions): unknown
}

function isIterable(value: unknown): value is Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && (Symbol.asyncIterator in value || Symbol.iterator in value)
}

/** Blocks from a blockstore (blockstore-core, Helia's, the IPFS package's LMDB store). */
export function blockstoreBlockSource(store: BlockstoreLike): BlockSource {
  return {
    async get(cid, options = {}) {
      const got = await store.get(cid, options)
      if (got instanceof Uint8Array) return got
      if (!isIterable(got)) throw new TypeError('blockstore get() returned neither bytes nor chunks')
      const chunks: Uint8Array[] = []
      for await (const chunk of got) chunks.push(chunk)
      return chunks.length === 1 ? chunks[0]! : new Uint8Array(Buffer.concat(chunks))
    },
  }
}
