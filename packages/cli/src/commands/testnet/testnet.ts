/**
 * `crust testnet`: a network of real processes on one machine where every node is its own host:
 * N validators, M storage nodes and a gateway, each in its own network namespace with its own
 * address on a bridge, running the same commands and flags `crust dev` runs (see network-args.ts).
 * Hosts reach each other only through link proxies in the root namespace, which add the links'
 * latency, jitter and loss (netem does where the kernel has it); bandwidth is a token bucket per
 * link. A loopback control API cuts and heals links and kills and restarts processes; network.json
 * says where everything is. SIGINT/SIGTERM remove every process, namespace and link.
 */
import { execFile } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { createLogger } from '@crust-ts/base'
import type { StorageNodeEndpoints } from '@crust-ts/node'
import type { Host } from '@crust-ts/testkit'
import { netnsUnavailable } from '@crust-ts/testkit'
import { PEER_KEY_FILE, peerIdOfKeyFile } from '@crust-ts/p2p'
import { CliError, errorLine } from '../../errors.js'
import { DevChild } from '../dev/child.js'
import {
  GATEWAY_SERVICE_ACCOUNT,
  gatewayArgs,
  storageAccountUri,
  storageNodeArgs,
  storageNodeName,
  validatorArgs,
  validatorChain,
  validatorName,
} from '../dev/network-args.js'
import { fundAccounts, setUpStorageAccount } from '../dev/setup.js'
import { withClockOffset } from './clock-offset.js'
import { serveControl, type TestnetControl } from './control.js'
import { type NetworkFaults, TestnetHosts, tcpMultiaddr } from './hosts.js'

/** The ports inside every namespace: each host has its own port space, so every node uses the defaults. */
const PORT = { rpc: 9944, p2p: 30333, swarm: 4001, ipfsApi: 5001, gateway: 8080, sworker: 12222, smanager: 12223, metrics: 9615, w3auth: 5050, psa: 3000 }

/** How long the teardown waits for the launcher's own chain client to close. */
const CLIENT_CLOSE_MS = 5_000

/** How long a teardown during setup waits for the setup's step in flight to give up. */
const SETUP_SETTLE_MS = 15_000

/** How long the validators may take to finalize the storage accounts' setup. */
const SETUP_FINALITY_TIMEOUT_MS = 120_000

export interface TestnetOptions {
  basePath: string
  chain: string
  validators: number
  storageNodes: number
  gateway: boolean
  blockTime: number
  srdUnits: number
  srdUnitSize: number
  faults: NetworkFaults
  /** Seeds the links' random faults (printed, so a run can be replayed); random when undefined. */
  seed?: number
  /** The first storage node's data folder is a tmpfs of this many bytes (for disk-full faults). */
  smallDisk?: number
  controlPort: number
  reset: boolean
}

type Kind = 'validator' | 'storage' | 'gateway'

interface Member {
  name: string
  kind: Kind
  host: Host
  child: DevChild<unknown>
  /** What network.json says of it (endpoints on the host's address). */
  info: Record<string, unknown>
}

export interface TestnetInfo {
  /** validator-1's JSON-RPC, reachable from the root namespace. */
  chainRpc: string
  /** The validators' p2p addresses (their link proxies'). */
  bootnodes: string[]
  control: string
  seed: number
  faults: NetworkFaults & { by: 'netem' | 'proxy' }
  /** The bridge and the namespaces: none of them is left once the network stopped. */
  bridge: string
  namespaces: string[]
  validators: Array<Record<string, unknown>>
  storageNodes: Array<Record<string, unknown>>
  gateway?: Record<string, unknown>
}

const run = promisify(execFile)

/** Mounts a tmpfs of `bytes` on `dir` (root): a small disk of its own, which a chaos run can fill. */
async function mountSmallDisk(dir: string, bytes: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'crust-testnet-disk', dir])
  } catch (err) {
    throw new CliError('CLI_ERROR_TESTNET_DISK', `--small-disk: cannot mount a tmpfs on ${dir}: ${(err as Error).message.split('\n')[0]}`)
  }
}

/** An endpoint URL a node reports (on loopback or the wildcard address) as reached on its host's address. */
const onHost = (url: string, host: Host) => url.replace(/\/\/(127\.0\.0\.1|0\.0\.0\.0|localhost)(?=[:/])/, `//${host.address}`)

/** What keeps the process alive, named (child processes by command, sockets by address): for a teardown that lingers. */
function describeHandles(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
  return handles.map((h) => {
    const o = h as {
      constructor?: { name?: string }
      spawnargs?: string[]
      pid?: number
      remoteAddress?: string
      remotePort?: number
      localPort?: number
      fd?: number
    }
    if (o.spawnargs !== undefined) return `child ${o.pid} ${o.spawnargs.join(' ').slice(0, 160)}`
    if (o.remotePort !== undefined || o.localPort !== undefined) return `socket ${o.localPort} -> ${o.remoteAddress}:${o.remotePort}`
    return `${o.constructor?.name ?? 'handle'}${o.fd === undefined ? '' : ` fd ${o.fd}`}`
  })
}

/** Runs the testnet until SIGINT/SIGTERM; ends the process itself after the teardown (0, or 1 with the error's line). */
export async function runTestnet(opts: TestnetOptions): Promise<void> {
  const unavailable = await netnsUnavailable()
  if (unavailable !== undefined) throw new CliError('CLI_ERROR_TESTNET_NO_NETNS', `crust testnet needs network namespaces: ${unavailable}`)
  if (opts.storageNodes < 1 && opts.gateway) throw new CliError('CLI_ERROR_TESTNET_SHAPE', '--gateway needs a storage node (or give --no-gateway)')
  await cryptoWaitReady()
  const chain = await validatorChain(opts.chain, opts.validators)
  const basePath = resolve(opts.basePath)
  if (opts.reset) rmSync(basePath, { recursive: true, force: true })
  const seed = opts.seed ?? randomInt(2 ** 31)
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const log = logger.forComponent('testnet')
  log.info({ faultSeed: seed, faults: opts.faults }, `fault seed ${seed} (replay with --seed ${seed})`)

  // A signal at any point, setup included, ends in the teardown below.
  const stopped = new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'))
    process.once('SIGTERM', () => done('SIGTERM'))
  })
  const members: Member[] = []
  let shuttingDown = false
  const onExit = (child: { spec: { name: string }; logFile: string }, how: string) => {
    if (!shuttingDown) log.warn({ node: child.spec.name, how, log: child.logFile }, `${child.spec.name} stopped`)
  }
  let hosts: TestnetHosts | undefined
  let api: ApiPromise | undefined
  let control: Server | undefined
  /** The small disk's mount point, once mounted (unmounted in the teardown). */
  let smallDisk: string | undefined
  const setup = async (): Promise<void> => {
    const total = opts.validators + opts.storageNodes + (opts.gateway ? 1 : 0)
    hosts = await TestnetHosts.create(total, opts.faults, seed)
    const net = hosts.net
    const prefix = (h: Host) => ['ip', 'netns', 'exec', h.ns]
    /** Starts a node in its host's namespace; resolves with its member entry and the endpoints it reports. */
    const start = async <E>(kind: Kind, name: string, host: Host, args: string[]): Promise<{ member: Member; endpoints: E }> => {
      if (shuttingDown) throw new CliError('CLI_ERROR_TESTNET_STOPPED', 'stopped while starting')
      const dir = join(basePath, name)
      // The small disk's node logs beside it: on the disk, a fill would silence the log just when
      // it matters (how the node took the full disk), and the teardown's unmount would take it away.
      const logFile = dir === smallDisk ? join(basePath, `${name}.log`) : undefined
      const child = new DevChild<E>({ name, dir, args, prefix: prefix(host), ...(logFile === undefined ? {} : { logFile }) }, onExit)
      const member: Member = { name, kind, host, child: child as DevChild<unknown>, info: {} }
      members.push(member)
      log.info({ node: name, ns: host.ns, address: host.address }, `starting ${name}`)
      return { member, endpoints: await child.start() }
    }
    const range = (n: number) => Array.from({ length: n }, (_, i) => i)

    // Every node's peer id is known before any starts (its key is made here, where the node will
    // load it), so each is given all the others' addresses and they all start at once.
    const validators = await Promise.all(
      range(opts.validators).map(async (i) => {
        const host = net.hosts[i]!
        const name = validatorName(i, opts.validators)
        const dir = join(basePath, name)
        const p2p = tcpMultiaddr((await hosts!.expose(host, PORT.p2p)).via)
        const rpcVia = (await hosts!.expose(host, PORT.rpc)).via
        return { i, host, name, dir, p2p, rpcVia, address: `${p2p}/p2p/${await peerIdOfKeyFile(join(dir, PEER_KEY_FILE))}` }
      }),
    )
    const bootnodes = validators.map((v) => v.address)
    await Promise.all(
      validators.map(async (v) => {
        const args = validatorArgs({
          index: v.i,
          chain,
          dir: v.dir,
          rpcPort: PORT.rpc,
          rpcExternal: true,
          blockTime: opts.blockTime,
          p2pPort: PORT.p2p,
          p2pHost: v.host.address,
          p2pAnnounce: [v.p2p],
          bootnodes: bootnodes.filter((b) => b !== v.address),
        })
        const { member, endpoints } = await start<{ p2p: string[] }>('validator', v.name, v.host, args)
        member.info = { name: v.name, ns: v.host.ns, address: v.host.address, rpc: `ws://${v.host.address}:${PORT.rpc}`, p2p: endpoints.p2p }
      }),
    )
    const chainRpc = `ws://${net.hosts[0]!.address}:${PORT.rpc}`
    api = await ApiPromise.create({
      provider: new WsProvider(chainRpc) as unknown as ApiOptions['provider'],
      noInitWarn: true,
      throwOnConnect: true,
    } as ApiOptions)
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const accounts = Array.from({ length: opts.storageNodes }, (_, i) => keyring.addFromUri(storageAccountUri(i)))
    const services = opts.gateway ? [keyring.addFromUri(GATEWAY_SERVICE_ACCOUNT)] : []
    await fundAccounts(api, keyring.addFromUri('//Alice'), [...accounts, ...services])
    const chainApi = api
    // As crust dev: with several validators the storage accounts only bond (see dev.ts).
    await Promise.all(accounts.map((account) => setUpStorageAccount(chainApi, account, { candidate: opts.validators <= 1 })))
    // The storage nodes start together, each syncing its own chain node over the slow links: they
    // start once the setup is final, so none acts on a view of its account from before the setup.
    const setupHead = (await chainApi.rpc.chain.getHeader()).number.toNumber()
    const deadline = Date.now() + SETUP_FINALITY_TIMEOUT_MS
    while ((await chainApi.rpc.chain.getHeader(await chainApi.rpc.chain.getFinalizedHead())).number.toNumber() < setupHead) {
      if (shuttingDown) throw new CliError('CLI_ERROR_TESTNET_STOPPED', 'stopped while starting')
      if (Date.now() > deadline)
        throw new CliError('CLI_ERROR_TESTNET_FINALITY', `the validators did not finalize #${setupHead} within ${SETUP_FINALITY_TIMEOUT_MS / 1000} s`)
      await new Promise((r) => setTimeout(r, 500))
    }

    const storage = await Promise.all(
      range(opts.storageNodes).map(async (i) => {
        const host = net.hosts[opts.validators + i]!
        const name = storageNodeName(i)
        const dir = join(basePath, name)
        if (i === 0 && opts.smallDisk !== undefined) {
          await mountSmallDisk(dir, opts.smallDisk)
          smallDisk = dir
        }
        const swarm = tcpMultiaddr((await hosts!.expose(host, PORT.swarm)).via)
        // Its loopback-only APIs on its own address (for the root namespace), and through proxies for other hosts.
        await net.forwardLoopback(host, [PORT.ipfsApi, PORT.gateway, PORT.sworker, PORT.smanager, PORT.metrics])
        const via = { ipfsApi: (await hosts!.expose(host, PORT.ipfsApi)).via, gateway: (await hosts!.expose(host, PORT.gateway)).via }
        // The storage node's one libp2p host (IPFS and its chain node) keeps its key in its IPFS repo.
        const address = `${swarm}/p2p/${await peerIdOfKeyFile(join(dir, 'ipfs', PEER_KEY_FILE))}`
        return { i, host, name, dir, swarm, via, address }
      }),
    )
    // All at once: a storage node's chain node counts itself synced only once a validator (one of
    // its bootnodes) answered, not when another storage node starting beside it says "genesis".
    await Promise.all(
      storage.map(async (n) => {
        const args = storageNodeArgs({
          index: n.i,
          chain,
          dir: n.dir,
          bootnodes,
          blockTime: opts.blockTime,
          rpcPort: PORT.rpc,
          rpcExternal: true,
          ipfsApiPort: PORT.ipfsApi,
          gatewayPort: PORT.gateway,
          swarmPort: PORT.swarm,
          swarmHost: n.host.address,
          swarmAnnounce: [n.swarm],
          sworkerPort: PORT.sworker,
          smanagerPort: PORT.smanager,
          metricsPort: PORT.metrics,
          srdUnits: opts.srdUnits,
          srdUnitSize: opts.srdUnitSize,
          // Every other storage node: bitswap asks only connected peers.
          bootstrap: storage.filter((o) => o !== n).map((o) => o.address),
        })
        const { member, endpoints } = await start<Required<StorageNodeEndpoints>>('storage', n.name, n.host, args)
        const urls = Object.fromEntries(
          (['chainRpc', 'ipfsApi', 'gateway', 'sworkerApi', 'smanagerApi', 'metrics'] as const).map((k) => [k, onHost(endpoints[k], n.host)]),
        )
        member.info = {
          name: n.name,
          ns: n.host.ns,
          address: n.host.address,
          accountUri: storageAccountUri(n.i),
          account: endpoints.account,
          dir: n.dir,
          ...(n.dir === smallDisk ? { diskBytes: opts.smallDisk } : {}),
          peerId: endpoints.peerId,
          multiaddrs: endpoints.multiaddrs,
          ...urls,
        }
      }),
    )
    const storageVia = storage.map((n) => n.via)
    const validatorRpcVia = validators.map((v) => v.rpcVia)
    if (opts.gateway) {
      const host = net.hosts[total - 1]!
      const nodeA = storageVia[0]!
      const args = gatewayArgs({
        dir: join(basePath, 'gateway'),
        ipfsApi: `http://${nodeA.ipfsApi}`,
        ipfsGateway: `http://${nodeA.gateway}`,
        chainRpc: `ws://${validatorRpcVia[0]}`,
        host: host.address,
        port: PORT.w3auth,
        psaPort: PORT.psa,
        replicas: Math.min(3, opts.storageNodes),
      })
      const { member, endpoints } = await start<{ gateway: string; psa: string; serviceAccount: string }>('gateway', 'gateway', host, args)
      member.info = { name: 'gateway', ns: host.ns, address: host.address, ...endpoints }
    }
  }

  const find = (name: string): Member => {
    const m = members.find((x) => x.name === name)
    if (m === undefined) throw new CliError('CLI_ERROR_TESTNET_UNKNOWN_HOST', `no host named ${name} (${members.map((x) => x.name).join(', ')})`)
    return m
  }
  const info = (): TestnetInfo => {
    const entry = (m: Member) => ({ ...m.info, pid: m.child.pid, running: m.child.running, cut: cutHosts.has(m.name) })
    const gateway = members.find((m) => m.kind === 'gateway')
    return {
      chainRpc: `ws://${hosts!.net.hosts[0]!.address}:${PORT.rpc}`,
      bootnodes: members.filter((m) => m.kind === 'validator').flatMap((m) => m.info.p2p as string[]),
      control: `http://127.0.0.1:${(control?.address() as { port: number } | null)?.port}`,
      seed,
      faults: { ...opts.faults, by: hosts!.faultsBy },
      bridge: hosts!.net.bridge,
      namespaces: hosts!.net.hosts.map((h) => h.ns),
      validators: members.filter((m) => m.kind === 'validator').map(entry),
      storageNodes: members.filter((m) => m.kind === 'storage').map(entry),
      ...(gateway === undefined ? {} : { gateway: entry(gateway) }),
    }
  }
  const writeInfo = () => writeFileSync(join(basePath, 'network.json'), `${JSON.stringify(info(), null, 2)}\n`)
  const cutHosts = new Set<string>()
  const actions: TestnetControl = {
    info,
    async cut(name) {
      const m = find(name)
      await hosts!.net.cut(m.host)
      cutHosts.add(name)
      log.info({ node: name }, `${name} cut off`)
    },
    async heal(name) {
      const m = find(name)
      await hosts!.net.heal(m.host)
      cutHosts.delete(name)
      log.info({ node: name }, `${name} healed`)
    },
    async kill(name, signal) {
      await find(name).child.kill(signal)
      log.info({ node: name, signal }, `${name} killed (${signal})`)
    },
    async restart(name, clockOffsetMs) {
      const m = find(name)
      if (m.child.running) throw new CliError('CLI_ERROR_TESTNET_RUNNING', `${name} is running: kill it first`)
      if (clockOffsetMs !== undefined) {
        if (m.kind !== 'validator') throw new CliError('CLI_ERROR_TESTNET_CLOCK', `${name} is no validator: only a validator's clock can be skewed`)
        m.child.spec.args = withClockOffset(m.child.spec.args, clockOffsetMs)
        m.info.clockOffsetMs = clockOffsetMs
      }
      await m.child.start()
      writeInfo()
      log.info({ node: name, pid: m.child.pid }, `${name} restarted`)
    },
    async setFaults(faults) {
      Object.assign(opts.faults, faults)
      await hosts!.setFaults(opts.faults)
      writeInfo()
      log.info({ faults: opts.faults }, 'link faults changed')
    },
  }

  const ready = setup().then(() => 'ready' as const)
  // Awaited below (or, stopped while starting, in the teardown); never an unhandled rejection.
  ready.catch(() => {})
  let failure: { err: unknown } | undefined
  try {
    const first = await Promise.race([ready, stopped])
    if (first === 'ready') {
      control = await serveControl(actions, opts.controlPort)
      writeInfo()
      log.info({ network: join(basePath, 'network.json'), control: info().control, faultSeed: seed, faultsBy: hosts!.faultsBy }, 'testnet ready')
      const signal = await stopped
      log.info({ signal }, 'stopping the testnet')
    } else log.info({ signal: first }, 'stopped while starting')
  } catch (err) {
    failure = { err }
  } finally {
    shuttingDown = true
    // Each step is timed in the log, so a slow teardown names the step that held it.
    const step = async (name: string, work: () => Promise<unknown>): Promise<void> => {
      const started = Date.now()
      await work()
      log.info({ step: name, ms: Date.now() - started }, 'teardown step done')
    }
    control?.close()
    // Bounded: a client mid-reconnect to a host the faults cut can hold its disconnect.
    await step('chain client', () => Promise.race([api?.disconnect().catch(() => {}), new Promise((r) => setTimeout(r, CLIENT_CLOSE_MS).unref())]))
    // Storage nodes and the gateway first, then the validators (as crust dev stops).
    await step('storage nodes', () => Promise.all(members.filter((m) => m.kind !== 'validator').map((m) => m.child.stop())))
    await step('validators', () => Promise.all(members.filter((m) => m.kind === 'validator').map((m) => m.child.stop())))
    // Stopped while starting: the setup's step in flight fails once its process is gone (or the
    // wait runs out), and it starts nothing new; then its namespaces can go.
    await Promise.race([ready.catch(() => {}), new Promise((r) => setTimeout(r, SETUP_SETTLE_MS).unref())])
    await Promise.all(members.filter((m) => m.child.running).map((m) => m.child.stop()))
    await step('namespaces and links', async () => hosts?.destroy())
    // Lazily: a process of the node that outlived its stop would hold it busy.
    if (smallDisk !== undefined)
      await step('small disk', () => run('umount', ['-l', smallDisk!]).catch((err: Error) => log.warn({ err }, 'small disk not unmounted')))
    log.info({ handles: describeHandles() }, 'testnet removed: processes, namespaces and links')
    // Everything it started is gone, and the log is written (synchronously): the launcher ends here,
    // not through the event loop. In CI, after a full teardown, its main thread was seen spinning
    // in user space for minutes (no timer fired again) in two runs of three.
    if (failure !== undefined) process.stderr.write(errorLine(failure.err))
    process.exit(failure === undefined ? 0 : 1)
  }
}
