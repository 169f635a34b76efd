import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { type Identify, identify } from '@libp2p/identify'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import type { KadDHT, KadDHTComponents } from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2pOptions, type ServiceFactoryMap } from 'libp2p'
import { bootstrapRedial } from './bootstrap-redial.js'
import { HOST_NODE_INFO } from './constants.js'
import { Libp2pHostError, Libp2pHostErrorCode } from './errors.js'
import { type DhtOptions, defaultLibp2pHostOptions, type Libp2pHostInit } from './options.js'
import { loadOrCreatePeerKey } from './peer-key.js'

/** Services every host runs; `dht` is present when the DHT is on. (A type, not an interface, so it is a libp2p ServiceMap.) */
export type HostServices = {
  identify: Identify
  ping: Ping
  dht?: KadDHT
}

/**
 * The libp2p node shared by a crust-ts node's parts (IPFS and the chain): one peer id, one port. `S`
 * declares the services a part needs on top of {@link HostServices}: the IPFS node takes a
 * `Libp2pHost`, the chain a `Libp2pHost<ConsensusServices>`; a host built with more services is
 * accepted wherever fewer are asked for.
 */
export type Libp2pHost<S extends ServiceMap = Record<never, never>> = Libp2p<HostServices & S>

/** Errors {@link createLibp2pHost} can throw (besides libp2p's own for unusable listen addresses). */
export type CreateLibp2pHostErrorType = Libp2pHostError

/**
 * Builds (does not start) the node's libp2p host: TCP, noise, yamux, identify, ping, optionally
 * Kademlia DHT and bootstrap dialling, plus any services the caller adds (`init.services`). No mDNS:
 * peers are found through bootstrap, the DHT, or explicit dials. Bitswap is attached by the IPFS node
 * when it starts on this host. Create one host per node and pass it to every part that needs the
 * network; start it with the first part that starts and stop it last.
 */
export async function createLibp2pHost<S extends ServiceMap = Record<never, never>>(init: Libp2pHostInit<S>): Promise<Libp2pHost<S>> {
  const opts = { ...defaultLibp2pHostOptions, ...init }
  let privateKey = init.privateKey
  if (privateKey === undefined) {
    if (init.peerKeyPath === undefined) {
      throw new Libp2pHostError({ code: Libp2pHostErrorCode.PEER_KEY_IO, path: '' }, 'createLibp2pHost needs a privateKey or a peerKeyPath')
    }
    privateKey = await loadOrCreatePeerKey(init.peerKeyPath)
  }
  const dht = opts.dht === false ? undefined : await kadDhtService(opts.dht === true ? {} : opts.dht)
  const services: ServiceFactoryMap<HostServices & S> = {
    identify: identify(),
    ping: ping(),
    ...(dht === undefined ? {} : { dht }),
    ...(opts.bootstrap.length > 0 ? { bootstrapRedial: bootstrapRedial(opts.bootstrap, opts.bootstrapRedialMs) } : {}),
    ...init.services,
  } as ServiceFactoryMap<HostServices & S>
  const peerDiscovery: Libp2pOptions['peerDiscovery'] = opts.bootstrap.length > 0 ? [bootstrap({ list: opts.bootstrap })] : []
  const node = await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen: opts.listen, announce: opts.announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    services,
    ...(init.datastore === undefined ? {} : { datastore: init.datastore }),
    ...(init.maxConnections === undefined ? {} : { connectionManager: { maxConnections: init.maxConnections } }),
    ...(init.connectionGater === undefined ? {} : { connectionGater: init.connectionGater }),
    nodeInfo: HOST_NODE_INFO,
  })
  return node as unknown as Libp2pHost<S>
}

/**
 * The DHT service, its module loaded only for a host that runs it: the DHT is off by default (dev
 * networks, a storage node's host shared with its chain node), and `@libp2p/kad-dht`'s module graph
 * is code and heap an idle node kept for nothing.
 */
async function kadDhtService(dht: DhtOptions): Promise<(components: KadDHTComponents) => KadDHT> {
  const { kadDHT, passthroughMapper, removePrivateAddressesMapper } = await import('@libp2p/kad-dht')
  return kadDHT({
    clientMode: dht.clientMode ?? true,
    peerInfoMapper: dht.allowPrivateAddresses === true ? passthroughMapper : removePrivateAddressesMapper,
  })
}
