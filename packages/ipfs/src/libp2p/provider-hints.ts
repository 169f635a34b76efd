import type { Provider, Router, RoutingOptions } from '@helia/interface'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

/** A peer that something outside the IPFS node (for crust-ts: the chain's replica records) says holds a CID. */
export interface HintedPeer {
  peerId: string
  multiaddrs: string[]
}

/**
 * Where a CID may be fetched from, by knowledge the IPFS node does not have: the seam through which
 * the chain tells the node which storage nodes hold a file, without the IPFS package knowing the
 * chain. Unknown CIDs give no peers; a failing lookup should give none too (the node falls back to
 * its connected peers and the DHT).
 */
export interface ProviderHints {
  providersOf(cid: CID, options?: { signal?: AbortSignal }): Promise<HintedPeer[]>
}

/** Name of the router {@link hintRouter} returns (shown in bitswap's `found-provider` progress events). */
export const HINT_ROUTER_NAME = 'provider-hints'
/** At most this many hinted peers are yielded, so dialled, per CID. */
export const MAX_HINTED_PROVIDERS = 8

function parseAddrs(addrs: string[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const a of addrs) {
    try {
      out.push(multiaddr(a))
    } catch {
      // a malformed address from a hint is skipped, not fatal: the others may work
    }
  }
  return out
}

export interface HintRouterInit {
  /** At most this many peers per CID (default MAX_HINTED_PROVIDERS). */
  maxPerCid?: number
  /** The node's own ranking of a peer (higher first): the best-serving holders are dialled first. */
  rank?: (peerId: string) => number
  /** Told of each peer yielded: the node remembers who was named a holder. */
  onNamed?: (peerId: string) => void
}

/**
 * A Helia router that answers `findProviders` from {@link ProviderHints}: Helia's bitswap asks the
 * routers for providers of every block it wants and dials what they yield, so the hinted holders of
 * a root are dialled first and then asked for the rest of its DAG over the same connections.
 * Holders come best-ranked first (the node's own retrieval scores). Bitswap dials a provider by
 * its peer id, so the hinted addresses go into the host's peer store first. Hints with an unparseable peer id or no parseable address are dropped; at most
 * `maxPerCid` peers per CID.
 */
export function hintRouter(host: Pick<Libp2p, 'peerStore'>, hints: ProviderHints, init: HintRouterInit = {}): Router {
  const max = init.maxPerCid ?? MAX_HINTED_PROVIDERS
  const rank = init.rank ?? (() => 0)
  return {
    name: HINT_ROUTER_NAME,
    async *findProviders(cid: CID, options?: RoutingOptions): AsyncGenerator<Provider> {
      let peers: HintedPeer[]
      try {
        peers = await hints.providersOf(cid, options?.signal === undefined ? {} : { signal: options.signal })
      } catch {
        return
      }
      let yielded = 0
      const ranked = peers.map((peer, i) => ({ peer, i, rank: rank(peer.peerId) }))
      ranked.sort((a, b) => b.rank - a.rank || a.i - b.i)
      for (const { peer } of ranked) {
        if (yielded >= max) return
        let peerId: PeerId
        try {
          peerId = peerIdFromString(peer.peerId)
        } catch {
          continue
        }
        const multiaddrs = parseAddrs(peer.multiaddrs)
        if (multiaddrs.length === 0) continue
        await host.peerStore.merge(peerId, { multiaddrs })
        init.onNamed?.(peer.peerId)
        yielded++
        yield { id: peerId.toCID(), multiaddrs, router: HINT_ROUTER_NAME, fallback: false }
      }
    },
  }
}
