/** Who holds a file, and where to reach them: the replica holders of an order joined with their sWork peer records. */
import type { ApiPromise } from '@polkadot/api'
import { multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { orderStatus } from './status.js'

/** A replica holder of a file with its published libp2p peer record. */
export interface Holder {
  /** The holder's account (SS58). */
  who: string
  /** Its libp2p peer id (base58btc, as `ipfs id` shows it). */
  peerId: string
  /** The addresses it published (multiaddr strings); unparseable ones are left out. */
  multiaddrs: string[]
  /** Block of its last peer record. */
  updatedAt: number
}

interface RawPeerRecord {
  peerId: { toU8a(bare: true): Uint8Array }
  addrs: Array<{ toU8a(bare: true): Uint8Array }>
  updatedAt: { toNumber(): number }
}

function addressesOf(record: RawPeerRecord): string[] {
  const out: string[] = []
  for (const a of record.addrs) {
    try {
      out.push(multiaddr(a.toU8a(true)).toString())
    } catch {
      // a record holds bytes its owner chose: an address that does not decode is skipped
    }
  }
  return out
}

/** The published peer record of `who`, or undefined. */
export async function peerRecordOf(api: ApiPromise, who: string): Promise<Holder | undefined> {
  const opt = (await api.query.swork!.peerRecords!(who)) as unknown as { isNone: boolean; unwrap(): RawPeerRecord }
  if (opt.isNone) return undefined
  const record = opt.unwrap()
  return {
    who,
    peerId: base58btc.baseEncode(record.peerId.toU8a(true)),
    multiaddrs: addressesOf(record),
    updatedAt: record.updatedAt.toNumber(),
  }
}

/**
 * The replica holders of `cid` (as `market.filesV2` lists them) that published a peer record.
 * Holders without one are left out; an unknown CID gives none. Throws `SDK_ERROR_BAD_CID`.
 */
export async function holdersOf(api: ApiPromise, cid: string): Promise<Holder[]> {
  const file = await orderStatus(api, cid)
  if (file === undefined) return []
  const records = await Promise.all(file.replicas.map((r) => peerRecordOf(api, r.who)))
  return records.filter((r): r is Holder => r !== undefined)
}
