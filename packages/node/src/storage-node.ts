/**
 * A storage node in one process: an IPFS node (API + gateway), an sWorker that registers, seals
 * and reports, the sManager that takes orders for it, and Prometheus metrics. Until storage nodes
 * run their own chain node (#10), they use a chain RPC.
 */
import { join } from 'node:path'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ComponentLogger } from '@crust-ts/chain/logger'
import { type IpfsDaemon, startIpfsDaemon } from '@crust-ts/ipfs'
import { type RunningSworker, runSworker } from '@crust-ts/sworker'
import type { StorageNodeConfig } from './config.js'
import { createMetricsRegistry, type MetricsServer, startMetricsServer } from './metrics.js'

export interface StorageNodeEndpoints {
  account: string
  mode: string
  ipfsApi: string
  gateway: string
  peerId: string
  multiaddrs: string[]
  sworkerApi: string
  metrics: string
}

export interface RunningStorageNode {
  endpoints: StorageNodeEndpoints
  ipfs: IpfsDaemon
  sworker: RunningSworker
  api: ApiPromise
  stop(): Promise<void>
}

const url = (a: { host: string; port: number }) => `http://${a.host}:${a.port}`

export async function startStorageNode(config: StorageNodeConfig, account: KeyringPair, logger: ComponentLogger): Promise<RunningStorageNode> {
  const log = logger.forComponent('node')
  const stops: Array<() => Promise<void>> = []
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'error while stopping'))
    stops.length = 0
  }
  try {
    const ipfs = await startIpfsDaemon({
      repoPath: join(config.basePath, 'ipfs'),
      apiPort: config.ipfs.apiPort,
      gatewayPort: config.ipfs.gatewayPort,
      swarmPort: config.ipfs.swarmPort,
      swarmHost: config.ipfs.swarmHost,
      bootstrap: config.ipfs.bootstrap,
      dht: false,
      logger,
    })
    stops.push(() => ipfs.stop())
    const ipfsApi = url(ipfs.api)
    log.info({ api: ipfsApi, gateway: url(ipfs.gateway), peerId: ipfs.peerId }, 'IPFS node started')

    const provider = new WsProvider(config.chainRpc) as unknown as ApiOptions['provider']
    const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
    stops.push(() => api.disconnect())
    let bestBlock = 0
    const unsubscribeHeads = await api.rpc.chain.subscribeNewHeads((h) => {
      bestBlock = h.number.toNumber()
    })
    stops.push(async () => unsubscribeHeads())

    const sworker = await runSworker({
      dataDir: join(config.basePath, 'sworker'),
      chainRpc: config.chainRpc,
      ipfsApi,
      account,
      apiPort: config.sworker.apiPort,
      srdUnitSize: config.sworker.srdUnitSize,
      srdUnits: config.sworker.srdUnits,
      logger,
    })
    stops.push(() => sworker.stop())

    const registry = createMetricsRegistry({
      bestBlock: () => bestBlock,
      srdBytes: () => Number(sworker.sworker.srd.size()),
      files: () => {
        const out: Record<string, { count: number; bytes: number }> = { valid: { count: 0, bytes: 0 }, pending: { count: 0, bytes: 0 }, lost: { count: 0, bytes: 0 } }
        for (const r of sworker.sworker.sealer.list()) {
          const bucket = (out[r.status] ??= { count: 0, bytes: 0 })
          bucket.count++
          bucket.bytes += r.size
        }
        return out
      },
      ipfsPeers: () => ipfs.node.libp2p.getPeers().length,
    })
    const metrics: MetricsServer = await startMetricsServer(registry, { port: config.metrics.port })
    stops.push(() => metrics.stop())

    const endpoints: StorageNodeEndpoints = {
      account: account.address,
      mode: config.mode,
      ipfsApi,
      gateway: url(ipfs.gateway),
      peerId: ipfs.peerId,
      multiaddrs: ipfs.node.libp2p.getMultiaddrs().map((m) => m.toString()),
      sworkerApi: url(sworker.api),
      metrics: `${url(metrics.address)}/metrics`,
    }
    log.info(endpoints, 'storage node ready')
    return { endpoints, ipfs, sworker, api, stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}
