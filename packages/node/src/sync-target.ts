/**
 * How far the network is, as a starting storage node's chain node decides it before it lets its
 * sWorker and sManager submit anything. Only a bootnode's answer can say where the network is: a
 * node that started at the same moment (another storage node of the same network, dialled first)
 * answers with the genesis it has too, and trusting it made a node "synced" at genesis, so its
 * sWorker signed its registration with nonce 0 against the genesis state and the pool dropped it as
 * `Invalid` once the real blocks arrived (storage nodes started together, one run in two).
 */

/** A peer's answer to a status request (same genesis as ours). */
export interface PeerHead {
  /** Its peer id. */
  peer: string
  best: number
  finalized: number
}

/** The heads to catch up with. */
export interface SyncTarget {
  best: number
  finalized: number
}

/** The peer ids named in `/…/p2p/<peer id>` bootnode multiaddrs (addresses without one are skipped). */
export function bootnodePeerIds(bootnodes: readonly string[]): Set<string> {
  const ids = new Set<string>()
  for (const addr of bootnodes) {
    const id = /\/p2p\/([^/]+)$/.exec(addr)?.[1]
    if (id !== undefined) ids.add(id)
  }
  return ids
}

/**
 * The best and finalized heights among `peers`, or undefined while none of them can say where the
 * network is: a bootnode, or a peer that has finalized a block past genesis (a node started at the
 * same moment is still at genesis; one that followed the network is not, and a node whose link to
 * its bootnode comes late must not wait for it). With no bootnode named, any peer counts. A peer
 * ahead still raises the target: a node can only be behind by trusting it, never ahead of the network.
 */
export function syncTarget(peers: readonly PeerHead[], bootnodes: ReadonlySet<string>): SyncTarget | undefined {
  if (peers.length === 0) return undefined
  if (bootnodes.size > 0 && !peers.some((p) => bootnodes.has(p.peer) || p.finalized > 0)) return undefined
  return { best: Math.max(...peers.map((p) => p.best)), finalized: Math.max(...peers.map((p) => p.finalized)) }
}
