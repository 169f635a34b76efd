/**
 * A storage node in one process. Isolation and member nodes run an IPFS node (API + gateway), an
 * sWorker that registers, seals and reports, the sManager that takes orders for it, and Prometheus
 * metrics; a member also joins its owner's group. An owner node keeps its group and allowlist and
 * serves metrics (its validator duties come with multi-validator consensus). Until storage nodes
 * run their own chain node (#10), they use a chain RPC.
 */
import { join } from 'node:path'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ComponentLogger } from '@crust-ts/chain/logger'
import { type IpfsDaemon, startIpfsDaemon } from '@crust-ts/ipfs'
import { createSmanagerApi, Smanager } from '@crust-ts/smanager'
import { blockstoreBlockSource, type RunningSworker, runSworker } from '@crust-ts/sworker'
import type { StorageNodeConfig } from './config.js'
import { ensureGroup, ensureJoined } from './groups.js'
import { createMetricsRegistry, type MetricSources, type MetricsServer, startMetricsServer } from './metrics.js'

export interface StorageNodeEndpoints {
  account: string
  mode: string
  metrics: string
  ipfsApi?: string
  gateway?: string
  peerId?: string
  multiaddrs?: string[]
  sworkerApi?: string
  smanagerApi?: string
}

export interface RunningStorageNode {
  endpoints: StorageNodeEndpoints
  api: ApiPromise
  ipfs?: IpfsDaemon
  sworker?: RunningSworker
  smanager?: Smanager
  stop(): Promise<void>
}

const url = (a: { host: string; port: number }) => `http://${a.host}:${a.port}`

async function connectChain(chainRpc: string): Promise<ApiPromise> {
  const provider = new WsProvider(chainRpc) as unknown as ApiOptions['provider']
  return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
}

export async function startStorageNode(config: StorageNodeConfig, account: KeyringPair, logger: ComponentLogger): Promise<RunningStorageNode> {
  const log = logger.forComponent('node')
  const stops: Array<() => Promise<void>> = []
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'error while stopping'))
    stops.length = 0
  }
  try {
    const api = await connectChain(config.chainRpc)
    stops.push(() => api.disconnect())
    let bestBlock = 0
    const unsubscribeHeads = await api.rpc.chain.subscribeNewHeads((h) => {
      bestBlock = h.number.toNumber()
    })
    stops.push(async () => unsubscribeHeads())
    const sources: MetricSources = { bestBlock: () => bestBlock }
    const endpoints: Omit<StorageNodeEndpoints, 'metrics'> = { account: account.address, mode: config.mode }
    let ipfs: IpfsDaemon | undefined
    let sworker: RunningSworker | undefined
    let smanager: Smanager | undefined

    if (config.mode === 'owner') {
      await ensureGroup(api, account, config.members, log)
    } else {
      ipfs = await startIpfsDaemon({
        repoPath: join(config.basePath, 'ipfs'),
        apiPort: config.ipfs.apiPort,
        gatewayPort: config.ipfs.gatewayPort,
        swarmPort: config.ipfs.swarmPort,
        swarmHost: config.ipfs.swarmHost,
        bootstrap: config.ipfs.bootstrap,
        dht: false,
        logger,
      })
      const daemon = ipfs
      stops.push(() => daemon.stop())
      const ipfsApi = url(daemon.api)
      log.info({ api: ipfsApi, gateway: url(daemon.gateway), peerId: daemon.peerId }, 'IPFS node started')

      const running = await runSworker({
        dataDir: join(config.basePath, 'sworker'),
        chainRpc: config.chainRpc,
        ipfsApi,
        account,
        apiPort: config.sworker.apiPort,
        srdUnitSize: config.sworker.srdUnitSize,
        srdUnits: config.sworker.srdUnits,
        // Same process: seal straight from the block store instead of over the HTTP API.
        blockSource: blockstoreBlockSource(daemon.node.helia.blockstore),
        logger,
      })
      sworker = running
      stops.push(() => running.stop())

      if (config.mode === 'member' && config.owner !== undefined) {
        const abort = new AbortController()
        stops.push(async () => abort.abort(new Error('stopping')))
        ensureJoined(api, account, config.owner, log, abort.signal).catch((err: unknown) => {
          if (!abort.signal.aborted) log.error({ err }, `cannot join the group: ${(err as Error).message}`)
        })
      }

      const sworkerApi = url(running.api)
      smanager = await Smanager.start({
        dataDir: join(config.basePath, 'smanager'),
        api,
        account,
        ipfsApi,
        sworkerApi,
        role: config.mode === 'member' ? 'member' : 'isolation',
        config: { strategy: config.smanager.strategy, pullIdleTimeoutMs: config.smanager.pullIdleTimeoutMs },
        logger,
      })
      const manager = smanager
      stops.push(() => manager.stop())
      const smanagerHttp = createSmanagerApi(manager, { port: config.smanager.apiPort })
      const smanagerAddress = await smanagerHttp.start()
      stops.push(() => smanagerHttp.stop())
      sources.tasks = () => {
        const counts: Record<string, number> = {}
        for (const t of manager.tasks()) counts[t.status] = (counts[t.status] ?? 0) + 1
        return counts
      }

      sources.srdBytes = () => Number(running.sworker.srd.size())
      sources.files = () => {
        const out: Record<string, { count: number; bytes: number }> = { valid: { count: 0, bytes: 0 }, pending: { count: 0, bytes: 0 }, lost: { count: 0, bytes: 0 } }
        for (const r of running.sworker.sealer.list()) {
          const bucket = (out[r.status] ??= { count: 0, bytes: 0 })
          bucket.count++
          bucket.bytes += r.size
        }
        return out
      }
      sources.ipfsPeers = () => daemon.node.libp2p.getPeers().length
      Object.assign(endpoints, {
        ipfsApi,
        gateway: url(daemon.gateway),
        peerId: daemon.peerId,
        multiaddrs: daemon.node.libp2p.getMultiaddrs().map((m) => m.toString()),
        sworkerApi,
        smanagerApi: url(smanagerAddress),
      })
    }

    const metrics: MetricsServer = await startMetricsServer(createMetricsRegistry(sources), { port: config.metrics.port })
    stops.push(() => metrics.stop())
    const all: StorageNodeEndpoints = { ...endpoints, metrics: `${url(metrics.address)}/metrics` }
    log.info(all, 'storage node ready')
    return { endpoints: all, api, ...(ipfs === undefined ? {} : { ipfs }), ...(sworker === undefined ? {} : { sworker }), ...(smanager === undefined ? {} : { smanager }), stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}
