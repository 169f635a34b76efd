/**
 * The chain as the IPFS node's provider hints: the holders of a CID are the accounts that
 * `market.filesV2` lists as its replicas, reached at the addresses of their sWork peer records.
 * Outside dev chains a record cannot aim the network at loopback, private or link-local hosts (those
 * addresses are dropped); at most MAX_HINTED_PROVIDERS holders per CID are dialled (the IPFS
 * router's bound); lookups are cached briefly, so the blocks of one DAG cost one lookup each at most.
 */
import type { ApiPromise } from '@polkadot/api'
import type { Logger } from '@crust-ts/base'
import type { HintedPeer, ProviderHints } from '@crust-ts/ipfs'
import { holdersOf } from '@crust-ts/sdk'
import { isLinkLocal, isLoopback, isPrivate } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** How long a lookup's answer is reused. */
export const HINT_CACHE_MS = 30_000
/** Most CIDs whose answers are kept. */
export const HINT_CACHE_ENTRIES = 4_096

export interface ChainHintsOptions {
  /** Keep loopback and private addresses (dev and local chains, where every node is on one machine). */
  allowPrivate: boolean
  /** The asking node's own peer id: never a hint to itself. */
  self?: string
}

/** Whether an address may be dialled on a public network. */
export function isPublicAddress(address: string): boolean {
  try {
    const ma = multiaddr(address)
    return !isLoopback(ma) && !isPrivate(ma) && !isLinkLocal(ma)
  } catch {
    return false
  }
}

/** The string forms an order may have been placed under: as given, and CIDv0 ⇄ CIDv1 for dag-pb. */
function orderKeys(cid: CID): string[] {
  const keys = [cid.toString()]
  try {
    if (cid.version === 0) keys.push(cid.toV1().toString())
    else if (cid.code === 0x70 && cid.multihash.code === 0x12) keys.push(cid.toV0().toString())
  } catch {
    // not convertible: the given form only
  }
  return keys
}

/**
 * Provider hints backed by the chain. Until `attach` gives it a chain connection (the IPFS node
 * starts before the chain is synced) it hints nothing.
 */
export class ChainProviderHints implements ProviderHints {
  private api: ApiPromise | undefined
  private options: ChainHintsOptions = { allowPrivate: false }
  private readonly cache = new Map<string, { at: number; peers: Promise<HintedPeer[]> }>()

  constructor(private readonly log: Logger) {}

  attach(api: ApiPromise, options: ChainHintsOptions): void {
    this.api = api
    this.options = options
    this.cache.clear()
  }

  providersOf(cid: CID): Promise<HintedPeer[]> {
    const api = this.api
    if (api === undefined) return Promise.resolve([])
    const key = cid.toString()
    const now = Date.now()
    const cached = this.cache.get(key)
    if (cached !== undefined && now - cached.at < HINT_CACHE_MS) return cached.peers
    const peers = this.lookup(api, cid)
    this.cache.delete(key)
    this.cache.set(key, { at: now, peers })
    // Map order is insertion order: the first key is the oldest.
    if (this.cache.size > HINT_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!)
    return peers
  }

  private async lookup(api: ApiPromise, cid: CID): Promise<HintedPeer[]> {
    try {
      for (const key of orderKeys(cid)) {
        const holders = await holdersOf(api, key)
        if (holders.length === 0) continue
        const peers: HintedPeer[] = []
        for (const h of holders) {
          if (h.peerId === this.options.self) continue
          const multiaddrs = this.options.allowPrivate ? h.multiaddrs : h.multiaddrs.filter(isPublicAddress)
          if (multiaddrs.length > 0) peers.push({ peerId: h.peerId, multiaddrs })
        }
        this.log.debug({ cid: key, holders: holders.length, dialable: peers.length }, 'chain holders of a CID')
        return peers
      }
      return []
    } catch (err) {
      this.log.debug({ err, cid: cid.toString() }, 'chain holder lookup failed: falling back to connected peers')
      return []
    }
  }
}
