import type { ConnectionGater, PrivateKey, ServiceMap } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { ServiceFactoryMap } from 'libp2p'
import { DEFAULT_BOOTSTRAP_REDIAL_MS, DEFAULT_SWARM_LISTEN } from './constants.js'

/** Kademlia DHT settings of the host (when the DHT is on). */
export interface DhtOptions {
  /**
   * Start as a DHT client (query only) until the node learns it is publicly reachable; default
   * true, libp2p's default.
   */
  clientMode?: boolean
  /** Keep private (LAN) addresses of DHT peers; default false (the public IPFS DHT drops them). */
  allowPrivateAddresses?: boolean
}

/** Options of {@link createLibp2pHost}. */
export interface Libp2pHostInit<S extends ServiceMap = Record<never, never>> {
  /** The node's key; if absent it is loaded from (or created in) {@link peerKeyPath}. */
  privateKey?: PrivateKey
  /** Peer key file used when {@link privateKey} is absent (created with mode 0600 on first start). */
  peerKeyPath?: string
  /** TCP listen multiaddrs; default `/ip4/0.0.0.0/tcp/4001`. */
  listen?: string[]
  /** Addresses to announce instead of the listen addresses (e.g. a public IP behind NAT). */
  announce?: string[]
  /** Peers dialled at start (multiaddrs ending in `/p2p/<peer id>`) and redialled while not connected; none by default. */
  bootstrap?: string[]
  /** How often bootstrap peers not connected are dialled again (default {@link DEFAULT_BOOTSTRAP_REDIAL_MS}). */
  bootstrapRedialMs?: number
  /** Kademlia DHT (`/ipfs/kad/1.0.0`); off by default (dev and tests dial peers explicitly). */
  dht?: boolean | DhtOptions
  /** Where libp2p keeps its peer store; in memory when absent. */
  datastore?: Datastore
  /**
   * More libp2p services to run on the same host, e.g. the chain's gossipsub and sync protocol,
   * so chain and IPFS share one peer id and one port.
   */
  services?: ServiceFactoryMap<S>
  /** Most open connections; libp2p's default when absent. */
  maxConnections?: number
  /**
   * Refuses peers at the connection level (dials, inbound and outbound connections), e.g. the
   * chain's peer gate; libp2p's allow-all gater when absent.
   */
  connectionGater?: ConnectionGater
}

/** Defaults of {@link Libp2pHostInit}. */
export const defaultLibp2pHostOptions = {
  listen: [DEFAULT_SWARM_LISTEN],
  announce: [] as string[],
  bootstrap: [] as string[],
  bootstrapRedialMs: DEFAULT_BOOTSTRAP_REDIAL_MS,
  dht: false as boolean | DhtOptions,
}
