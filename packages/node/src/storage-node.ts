/**
 * A storage node in one process. Isolation and member nodes run an IPFS node (API + gateway), an
 * sWorker that registers, seals and reports, the sManager that takes orders for it, and Prometheus
 * metrics; a member also joins its owner's group. An owner node keeps its group and allowlist and
 * serves metrics. The chain is either a chain node's RPC (`chainRpc`) or the node's own follower
 * chain node (`chain`), which shares the IPFS node's libp2p host (one peer id, one port) and syncs
 * over p2p before the sWorker and sManager start on its local RPC.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ComponentLogger } from '@crust-ts/base'
import { type ConsensusHost, consensusServices, PeerGate } from '@crust-ts/consensus'
import { connectChain } from '@crust-ts/sdk'
import { createGatewayServer, createIpfsNode, createKuboApiServer, type IpfsDaemon, type IpfsHost, type ProviderHints, startIpfsDaemon } from '@crust-ts/ipfs'
import { createLibp2pHost, loadOrCreatePeerKey, PEER_KEY_FILE } from '@crust-ts/p2p'
import { createSmanagerApi, Smanager } from '@crust-ts/smanager'
import { blockstoreBlockSource, type RunningSworker, runSworker } from '@crust-ts/sworker'
import { EmbeddedChain } from './chain.js'
import { type StorageNodeConfig, statusCorsOf } from './config.js'
import { ensureGroup, ensureJoined } from './groups.js'
import { publishPeerRecordOnceIdentified } from './peer-record.js'
import { ChainProviderHints } from './provider-hints.js'
import { createMetricsRegistry, type MetricSources, type MetricsServer, startMetricsServer } from './metrics.js'
import { challengeCounters, NODE_STATUS_VERSION, type NodeStatus } from './status.js'

/** Each part of the node's status, read per request; the parts a node does not run are absent. */
interface StatusParts {
  chain(): NodeStatus['chain']
  sworker?(): NonNullable<NodeStatus['sworker']>
  smanager?(): NonNullable<NodeStatus['smanager']>
  ipfs?(): Promise<NonNullable<NodeStatus['ipfs']>>
}

export interface StorageNodeEndpoints {
  account: string
  mode: string
  metrics: string
  /** The chain RPC the node uses: its own chain node's, or the configured one. */
  chainRpc: string
  ipfsApi?: string
  gateway?: string
  peerId?: string
  multiaddrs?: string[]
  sworkerApi?: string
  smanagerApi?: string
  /** The node's read-only status (JSON, for the web console): `GET` it from an allowed origin. */
  status: string
}

export interface RunningStorageNode {
  endpoints: StorageNodeEndpoints
  api: ApiPromise
  /** The node's own chain node, when it runs one. */
  chain?: EmbeddedChain
  ipfs?: IpfsDaemon
  sworker?: RunningSworker
  smanager?: Smanager
  stop(): Promise<void>
}

const url = (a: { host: string; port: number }) => `http://${a.host}:${a.port}`

/** The IPFS daemon's parts (node, Kubo API, gateway) on a host the caller owns and stops. */
async function startIpfsOnHost(config: StorageNodeConfig, host: IpfsHost, providerHints: ProviderHints, logger: ComponentLogger): Promise<IpfsDaemon> {
  const node = await createIpfsNode({ repoPath: join(config.basePath, 'ipfs'), libp2p: host, providerHints, logger })
  const stops: Array<() => Promise<void>> = [() => node.stop()]
  try {
    const api = createKuboApiServer(node, { host: '127.0.0.1', port: config.ipfs.apiPort, logger })
    const apiAddress = await api.start()
    stops.unshift(() => api.stop())
    const gateway = createGatewayServer(node, { host: '127.0.0.1', port: config.ipfs.gatewayPort, logger })
    const gatewayAddress = await gateway.start()
    stops.unshift(() => gateway.stop())
    return {
      node,
      api: apiAddress,
      gateway: gatewayAddress,
      peerId: host.peerId.toString(),
      multiaddrs: host.getMultiaddrs().map((m) => m.toString()),
      async stop() {
        for (const stop of stops) await stop()
      },
    }
  } catch (err) {
    for (const stop of stops) await stop().catch(() => {})
    throw err
  }
}

/**
 * Starts the node's parts in order: IPFS, the chain (its own chain node, synced first), the
 * sWorker, the sManager, metrics. `signal` aborts a start still waiting for the chain to sync.
 * `stop()` stops them in reverse: sManager, sWorker, chain node, IPFS.
 */
export async function startStorageNode(
  config: StorageNodeConfig,
  account: KeyringPair,
  logger: ComponentLogger,
  signal?: AbortSignal,
): Promise<RunningStorageNode> {
  const log = logger.forComponent('node')
  const stops: Array<() => Promise<void>> = []
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'error while stopping'))
    stops.length = 0
  }
  try {
    let ipfs: IpfsDaemon | undefined
    let sworker: RunningSworker | undefined
    let smanager: Smanager | undefined
    let chain: EmbeddedChain | undefined
    let host: ConsensusHost | undefined
    // The chain names who holds a file; the IPFS node asks it before its connected peers.
    const hints = new ChainProviderHints(logger.forComponent('node:hints'))
    const swarm = [`/ip4/${config.ipfs.swarmHost}/tcp/${config.ipfs.swarmPort}`]
    if (config.mode !== 'owner') {
      if (config.chain !== undefined) {
        // One libp2p host for IPFS and the chain: bitswap and the chain's gossip and sync share
        // its peer id (the IPFS repo's key) and its swarm port. The chain's gate is the host's
        // connection gater, but a peer the chain bans keeps its connection for bitswap: the ban
        // refuses it the chain's protocols only (denied peers are refused connections).
        const repoPath = join(config.basePath, 'ipfs')
        mkdirSync(repoPath, { recursive: true })
        const gate = new PeerGate({ banScope: 'protocols' })
        const shared = await createLibp2pHost({
          peerKeyPath: join(repoPath, PEER_KEY_FILE),
          listen: swarm,
          announce: config.ipfs.announce,
          bootstrap: [...new Set([...config.ipfs.bootstrap, ...config.chain.bootnodes])],
          services: consensusServices({ gate }),
          connectionGater: gate.connectionGater,
        })
        host = shared
        stops.push(async () => shared.stop())
        ipfs = await startIpfsOnHost(config, shared, hints, logger)
      } else {
        ipfs = await startIpfsDaemon({
          repoPath: join(config.basePath, 'ipfs'),
          apiPort: config.ipfs.apiPort,
          gatewayPort: config.ipfs.gatewayPort,
          swarmPort: config.ipfs.swarmPort,
          swarmHost: config.ipfs.swarmHost,
          bootstrap: config.ipfs.bootstrap,
          dht: false,
          providerHints: hints,
          logger,
        })
      }
      const daemon = ipfs
      stops.push(() => daemon.stop())
      log.info({ api: url(daemon.api), gateway: url(daemon.gateway), peerId: daemon.peerId }, 'IPFS node started')
    }
    let chainRpc = config.chainRpc
    if (config.chain !== undefined) {
      // An owner runs no IPFS: its chain node gets a host of its own on the swarm address, its
      // connections gated by the chain (bans close connections).
      if (host === undefined) {
        const gate = new PeerGate()
        host = await createLibp2pHost({
          listen: swarm,
          announce: config.ipfs.announce,
          bootstrap: config.chain.bootnodes,
          peerKeyPath: join(config.basePath, PEER_KEY_FILE),
          services: consensusServices({ gate }),
          connectionGater: gate.connectionGater,
        })
      }
      const follower = await EmbeddedChain.create(config.chain, { basePath: config.basePath, host, logger })
      chain = follower
      chainRpc = await follower.start()
      stops.push(() => follower.stop())
      log.info({ rpc: chainRpc, p2p: host.getMultiaddrs().map(String), sharedWithIpfs: ipfs !== undefined }, 'chain node started; syncing with the network')
      const head = await follower.waitSynced(signal ?? new AbortController().signal)
      log.info(head, 'chain node synced with the network')
    }
    const api = await connectChain(chainRpc!, { flag: '--chain-rpc' })
    stops.push(() => api.disconnect())
    let bestBlock = 0
    let finalizedBlock = 0
    let lastHeadAt: number | undefined
    const unsubscribeHeads = await api.rpc.chain.subscribeNewHeads((h) => {
      const number = h.number.toNumber()
      if (number !== bestBlock) lastHeadAt = Date.now()
      bestBlock = number
    })
    stops.push(async () => unsubscribeHeads())
    const unsubscribeFinalized = await api.rpc.chain.subscribeFinalizedHeads((h) => {
      finalizedBlock = h.number.toNumber()
    })
    stops.push(async () => unsubscribeFinalized())
    const sources: MetricSources = { bestBlock: () => bestBlock }
    const endpoints: Omit<StorageNodeEndpoints, 'metrics' | 'status'> = { account: account.address, mode: config.mode, chainRpc: chainRpc! }
    const ownChain = chain
    const status: StatusParts = {
      chain: () => ({
        best: bestBlock,
        finalized: finalizedBlock,
        ...(lastHeadAt === undefined ? {} : { lastHeadAgeMs: Date.now() - lastHeadAt }),
        ownNode: ownChain !== undefined,
        ...(ownChain === undefined ? {} : { peers: ownChain.consensus.network.peers().length }),
      }),
    }
    if (host !== undefined) Object.assign(endpoints, { peerId: host.peerId.toString(), multiaddrs: host.getMultiaddrs().map(String) })

    if (config.mode === 'owner') {
      await ensureGroup(api, account, config.members, log)
    } else {
      const daemon = ipfs!
      const ipfsApi = url(daemon.api)

      const running = await runSworker({
        dataDir: join(config.basePath, 'sworker'),
        chainRpc: chainRpc!,
        // One client for the whole process (the sWorker's own would hold a second copy of the metadata).
        api,
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

      const chainType = (await api.rpc.system.chainType()).toString()
      hints.attach(api, { allowPrivate: chainType === 'Development' || chainType === 'Local', self: daemon.peerId })
      // Where this node's files can be fetched, published once the chain knows the node (after its first report).
      const peerKey = await loadOrCreatePeerKey(join(config.basePath, 'ipfs', PEER_KEY_FILE))
      const stopPublishing = await publishPeerRecordOnceIdentified(api, account, peerKey, () => daemon.node.libp2p.getMultiaddrs(), log)
      stops.push(async () => stopPublishing())

      const sworkerApi = url(running.api)
      smanager = await Smanager.start({
        dataDir: join(config.basePath, 'smanager'),
        api,
        account,
        ipfsApi,
        sworkerApi,
        sworkerTokenFile: running.apiTokenFile,
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
      sources.challenges = () => manager.challengeStats()

      const identity = Buffer.from(running.sworker.enclave.publicKey).toString('hex')
      status.sworker = () => {
        const srd = running.sworker.srd
        const last = running.lastReport()
        return {
          identity: `0x${identity}`,
          srd: { bytes: Number(srd.size()), units: srd.list().length, unitSize: srd.unitSize },
          files: sources.files!(),
          ...(last === undefined
            ? {}
            : { lastReport: { slot: Number(last.slot), submitted: last.submitted, ...(last.submitted ? {} : { reason: last.reason }) } }),
        }
      }
      status.smanager = () => {
        const challenges = manager.challengeStats()
        return {
          tasks: sources.tasks!(),
          ...(challenges === undefined ? {} : { challenges: challengeCounters(challenges) }),
        }
      }
      status.ipfs = async () => {
        const r = await sources.retrieval!()
        return {
          peers: daemon.node.libp2p.getPeers().length,
          blocksReceived: r.blocksReceived,
          dataReceived: r.dataReceived,
          rankedPeers: r.peers.length,
          ranked: r.peers,
        }
      }
      sources.srdBytes = () => Number(running.sworker.srd.size())
      sources.files = () => {
        const out: Record<string, { count: number; bytes: number }> = {
          valid: { count: 0, bytes: 0 },
          pending: { count: 0, bytes: 0 },
          lost: { count: 0, bytes: 0 },
        }
        for (const r of running.sworker.sealer.list()) {
          const bucket = (out[r.status] ??= { count: 0, bytes: 0 })
          bucket.count++
          bucket.bytes += r.size
        }
        return out
      }
      sources.ipfsPeers = () => daemon.node.libp2p.getPeers().length
      sources.retrieval = async () => {
        const stat = await daemon.node.bitswapStat()
        return { blocksReceived: stat.blocksReceived, dataReceived: stat.dataReceived, peers: stat.retrieval }
      }
      Object.assign(endpoints, {
        ipfsApi,
        gateway: url(daemon.gateway),
        peerId: daemon.peerId,
        multiaddrs: daemon.node.libp2p.getMultiaddrs().map((m) => m.toString()),
        sworkerApi,
        smanagerApi: url(smanagerAddress),
      })
    }

    const peerId = endpoints.peerId
    const read = async (): Promise<NodeStatus> => ({
      version: NODE_STATUS_VERSION,
      account: account.address,
      mode: config.mode,
      ...(peerId === undefined ? {} : { peerId }),
      chain: status.chain(),
      ...(status.sworker === undefined ? {} : { sworker: status.sworker() }),
      ...(status.smanager === undefined ? {} : { smanager: status.smanager() }),
      ...(status.ipfs === undefined ? {} : { ipfs: await status.ipfs() }),
    })
    const metrics: MetricsServer = await startMetricsServer(createMetricsRegistry(sources), {
      port: config.metrics.port,
      status: { read, cors: statusCorsOf(config) },
    })
    stops.push(() => metrics.stop())
    const all: StorageNodeEndpoints = { ...endpoints, metrics: `${url(metrics.address)}/metrics`, status: `${url(metrics.address)}/status` }
    log.info(all, 'storage node ready')
    return {
      endpoints: all,
      api,
      ...(chain === undefined ? {} : { chain }),
      ...(ipfs === undefined ? {} : { ipfs }),
      ...(sworker === undefined ? {} : { sworker }),
      ...(smanager === undefined ? {} : { smanager }),
      stop: stopAll,
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
