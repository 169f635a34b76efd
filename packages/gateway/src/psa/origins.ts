/**
 * A pin's `origins` (multiaddrs of peers that hold the data, per the Pinning Service API) are dialled
 * from the node, so its fetch starts from a provider it already knows instead of a network search.
 */
import type { Logger } from '@crust-ts/base'

const DIAL_TIMEOUT_MS = 15_000

/** Best effort and in the background: a pin is accepted whether or not its origins answer. */
export function dialOrigins(ipfsApi: string, origins: readonly string[], log: Logger | undefined): void {
  // Only addresses naming their peer can be dialled as a connection to that peer.
  for (const origin of origins.filter((o) => o.includes('/p2p/'))) {
    const url = new URL(`/api/v0/swarm/connect?arg=${encodeURIComponent(origin)}`, ipfsApi)
    fetch(url, { method: 'POST', signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      .then(async (res) => {
        const text = await res.text()
        if (res.ok) log?.debug({ origin }, 'connected to a pin origin')
        else log?.debug({ origin, status: res.status, reply: text.slice(0, 200) }, 'pin origin not reachable')
      })
      .catch((err: unknown) => log?.debug({ origin, err: (err as Error).message }, 'pin origin not reachable'))
  }
}
