import type { Peer, Provider, Router, RoutingOptions } from '@helia/interface'
import type { Libp2p, PeerInfo } from '@libp2p/interface'
import { peerIdFromCID } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'

/** Name of the router {@link libp2pRouter} returns (the name Helia's own libp2p router has). */
export const LIBP2P_ROUTER_NAME = 'libp2p-router'

function toPeer(info: PeerInfo): Peer {
  return { id: info.id.toCID(), multiaddrs: info.multiaddrs, router: LIBP2P_ROUTER_NAME }
}

/**
 * Helia's view of the host's content and peer routing. With the DHT on it asks libp2p (the DHT) for
 * providers and peers and provides content; with it off it knows no providers (bitswap still asks
 * every connected peer) and provide/cancelReprovide do nothing, so nothing fails for want of a DHT.
 */
export function libp2pRouter(host: Libp2p, init: { dht: boolean }): Router {
  if (!init.dht) {
    return {
      name: LIBP2P_ROUTER_NAME,
      async provide() {},
      async cancelReprovide() {},
      async *findProviders() {},
      async *getClosestPeers() {},
    }
  }
  return {
    name: LIBP2P_ROUTER_NAME,
    async provide(cid: CID, options?: RoutingOptions) {
      await host.contentRouting.provide(cid, options)
    },
    async cancelReprovide(cid: CID, options?: RoutingOptions) {
      await host.contentRouting.cancelReprovide(cid, options)
    },
    async *findProviders(cid: CID, options?: RoutingOptions): AsyncGenerator<Provider> {
      for await (const info of host.contentRouting.findProviders(cid, options)) {
        yield { ...toPeer(info), fallback: false }
      }
    },
    async put(key: Uint8Array, value: Uint8Array, options?: RoutingOptions) {
      await host.contentRouting.put(key, value, options)
    },
    async get(key: Uint8Array, options?: RoutingOptions) {
      return Uint8Array.from(await host.contentRouting.get(key, options))
    },
    async findPeer(peerId: CID, options?: RoutingOptions) {
      return toPeer(await host.peerRouting.findPeer(peerIdFromCID(peerId), options))
    },
    async *getClosestPeers(key: Uint8Array, options?: RoutingOptions): AsyncGenerator<Peer> {
      for await (const info of host.peerRouting.getClosestPeers(key, options)) yield toPeer(info)
    },
  }
}
