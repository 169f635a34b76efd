/**
 * Keeps a host's bootstrap peers connected: every `intervalMs` it dials each one it has no
 * connection to. libp2p's bootstrap discovery dials them once, at start, and its reconnect queue
 * gives up after a few failed attempts, so a node partitioned off for longer than that (a cut link,
 * a peer down for a while) would never rejoin; Substrate keeps dialling its boot and reserved
 * nodes the same way. Peers the connection gater refuses (banned, denied) stay refused.
 */
import type { PeerId, Startable } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'

/** The part of libp2p's components the redial needs. */
export interface BootstrapRedialComponents {
  connectionManager: {
    getConnections(peerId?: PeerId): unknown[]
    openConnection(peer: Multiaddr): Promise<unknown>
  }
}

export class BootstrapRedial implements Startable {
  private timer: NodeJS.Timeout | undefined
  private readonly peers: Array<{ id: PeerId; address: Multiaddr }>

  constructor(
    private readonly components: BootstrapRedialComponents,
    list: string[],
    private readonly intervalMs: number,
  ) {
    this.peers = list.flatMap((a) => {
      const address = multiaddr(a)
      const id = address.getComponents().find((c) => c.name === 'p2p')?.value
      return id === undefined ? [] : [{ id: peerIdFromString(id), address }]
    })
  }

  start(): void {
    if (this.peers.length === 0) return
    this.timer = setInterval(() => this.redial(), this.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private redial(): void {
    for (const peer of this.peers) {
      if (this.components.connectionManager.getConnections(peer.id).length > 0) continue
      this.components.connectionManager.openConnection(peer.address).catch(() => {})
    }
  }
}

/** A libp2p service factory: `services: { bootstrapRedial: bootstrapRedial(list, 10_000) }`. */
export const bootstrapRedial =
  (list: string[], intervalMs: number) =>
  (components: BootstrapRedialComponents): BootstrapRedial =>
    new BootstrapRedial(components, list, intervalMs)
