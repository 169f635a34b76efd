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
  /** Told of each hinted peer: the node remembers who was named a holder. */
  onNamed?: (peerId: string) => void
  /** Told of each hinted peer once connected: a holder the node can ask now. */
  onReachable?: (peer: PeerId) => void
  /** Told of each hinted peer that could not be reached: a named holder that does not serve. */
  onUnreachable?: (peerId: string) => void
  /** Peers never dialled whatever the hints say (the node shuns those that sent wrong blocks). */
  exclude?: (peerId: string) => boolean
}

interface Candidate {
  peerId: PeerId
  multiaddrs: Multiaddr[]
}

/** The hinted peers worth dialling: parseable, best-ranked first, at most `max`. */
function candidates(peers: HintedPeer[], rank: (peerId: string) => number, exclude: (peerId: string) => boolean, max: number): Candidate[] {
  const ranked = peers.filter((peer) => !exclude(peer.peerId)).map((peer, i) => ({ peer, i, rank: rank(peer.peerId) }))
  ranked.sort((a, b) => b.rank - a.rank || a.i - b.i)
  const out: Candidate[] = []
  for (const { peer } of ranked) {
    if (out.length >= max) break
    let peerId: PeerId
    try {
      peerId = peerIdFromString(peer.peerId)
    } catch {
      continue
    }
    const multiaddrs = parseAddrs(peer.multiaddrs)
    if (multiaddrs.length > 0) out.push({ peerId, multiaddrs })
  }
  return out
}

/**
 * A Helia router that answers `findProviders` from {@link ProviderHints}: Helia's bitswap asks the
 * routers for providers of every block it wants and connects to what they yield, so the hinted
 * holders of a root are asked for the rest of its DAG over the same connections. The router dials
 * the hinted holders itself, all at once (best-ranked first, at most `maxPerCid`), and yields each
 * as its connection opens: bitswap connects to providers one after another and gives up at the
 * first that fails, so one dead holder named first would hide every live one behind it.
 */
export function hintRouter(host: Pick<Libp2p, 'peerStore' | 'dial'>, hints: ProviderHints, init: HintRouterInit = {}): Router {
  const max = init.maxPerCid ?? MAX_HINTED_PROVIDERS
  const rank = init.rank ?? (() => 0)
  const exclude = init.exclude ?? (() => false)
  return {
    name: HINT_ROUTER_NAME,
    async *findProviders(cid: CID, options?: RoutingOptions): AsyncGenerator<Provider> {
      let peers: HintedPeer[]
      try {
        peers = await hints.providersOf(cid, options?.signal === undefined ? {} : { signal: options.signal })
      } catch {
        return
      }
      // The dials are not cut short with the lookup: bitswap stops the lookup once the first block is
      // in, and the other holders are still wanted for the rest of the DAG (libp2p's own dial timeout bounds them).
      const pending = new Map<number, Promise<{ key: number; candidate: Candidate; ok: boolean }>>()
      for (const [key, candidate] of candidates(peers, rank, exclude, max).entries()) {
        await host.peerStore.merge(candidate.peerId, { multiaddrs: candidate.multiaddrs })
        init.onNamed?.(candidate.peerId.toString())
        pending.set(
          key,
          host.dial(candidate.peerId).then(
            () => {
              // told here, not at the yield: bitswap stops reading providers once its block is in
              init.onReachable?.(candidate.peerId)
              return { key, candidate, ok: true }
            },
            () => ({ key, candidate, ok: false }),
          ),
        )
      }
      while (pending.size > 0) {
        const { key, candidate, ok } = await Promise.race(pending.values())
        pending.delete(key)
        if (!ok) {
          init.onUnreachable?.(candidate.peerId.toString())
          continue
        }
        yield { id: candidate.peerId.toCID(), multiaddrs: candidate.multiaddrs, router: HINT_ROUTER_NAME, fallback: false }
      }
    },
  }
}
