/**
 * The IPFS daemon: the node with its Kubo-compatible API and its gateway, as `crust ipfs daemon`
 * runs it (the storage node later runs the same parts inside `crust node`).
 */
import type { ComponentLogger } from '@crust-ts/base'
import { createKuboApiServer } from './api/index.js'
import { createGatewayServer } from './gateway/index.js'
import type { ProviderHints } from './libp2p/index.js'
import type { IpfsNode } from './interface.js'
import { createIpfsNode } from './node/index.js'

export interface IpfsDaemonInit {
  repoPath: string
  /** Kubo RPC API port (default 5001), bound to `apiHost` (default 127.0.0.1: it changes state and has no auth). */
  apiPort?: number
  apiHost?: string
  /** Gateway port (default 8080) and host (default 127.0.0.1). */
  gatewayPort?: number
  gatewayHost?: string
  /** libp2p TCP port (default 4001) and host (default 0.0.0.0). */
  swarmPort?: number
  swarmHost?: string
  bootstrap?: string[]
  dht?: boolean
  fetchTimeoutMs?: number
  /** Who holds a CID, from outside IPFS (see `IpfsNodeInit.providerHints`). */
  providerHints?: ProviderHints
  logger?: ComponentLogger
}

export interface IpfsDaemon {
  node: IpfsNode
  api: { host: string; port: number }
  gateway: { host: string; port: number }
  peerId: string
  multiaddrs: string[]
  stop(): Promise<void>
}

export async function startIpfsDaemon(init: IpfsDaemonInit): Promise<IpfsDaemon> {
  const node = await createIpfsNode({
    repoPath: init.repoPath,
    swarm: [`/ip4/${init.swarmHost ?? '0.0.0.0'}/tcp/${init.swarmPort ?? 4001}`],
    ...(init.bootstrap === undefined ? {} : { bootstrap: init.bootstrap }),
    ...(init.dht === undefined ? {} : { dht: init.dht }),
    ...(init.fetchTimeoutMs === undefined ? {} : { fetchTimeoutMs: init.fetchTimeoutMs }),
    ...(init.providerHints === undefined ? {} : { providerHints: init.providerHints }),
    ...(init.logger === undefined ? {} : { logger: init.logger }),
  })
  const logger = init.logger === undefined ? {} : { logger: init.logger }
  const stops: Array<() => Promise<void>> = [() => node.stop()]
  try {
    const api = createKuboApiServer(node, { host: init.apiHost ?? '127.0.0.1', port: init.apiPort ?? 5001, ...logger })
    const apiAddress = await api.start()
    stops.unshift(() => api.stop())
    const gateway = createGatewayServer(node, { host: init.gatewayHost ?? '127.0.0.1', port: init.gatewayPort ?? 8080, ...logger })
    const gatewayAddress = await gateway.start()
    stops.unshift(() => gateway.stop())
    const libp2p = node.libp2p
    return {
      node,
      api: apiAddress,
      gateway: gatewayAddress,
      peerId: libp2p.peerId.toString(),
      multiaddrs: libp2p.getMultiaddrs().map((m) => m.toString()),
      async stop() {
        for (const stop of stops) await stop()
      },
    }
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {})
    throw err
  }
}
