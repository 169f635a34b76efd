/**
 * The W3Auth gateway and pinning service as real processes (`crust node --chain dev --block-time 500`,
 * `crust ipfs daemon`, `crust gateway` paying with //Ferdie), each figure next to an anchor measured
 * in the same run:
 * - pin requests accepted per second (10 accounts, W3Auth + a durable store write each), against bare
 *   HTTP requests per second to the IPFS API from the same client;
 * - orders per second the engine sustains (pin/add + cumulative size + signed placeStorageOrder until
 *   included), against the same number of pre-signed placeStorageOrder submitted straight to the node;
 * - a 256 MiB upload through the gateway against the same upload straight to the node API (target >= 90 %).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/src/bin.js', import.meta.url))
const MIB = 1024 * 1024
/** The order engine's default concurrency (orders awaiting inclusion at once). */
const ENGINE_CONCURRENCY = 32

export interface GatewayBenchOptions {
  /** Distinct CIDs pinned (each by every account). */
  cids?: number
  accounts?: number
  /** Requests in flight at once from the client. */
  concurrency?: number
  uploadMiB?: number
  /** Uploads of each kind, alternated (best counts; default 3). */
  uploadRounds?: number
}

export interface GatewayBench {
  pins: number
  accounts: number
  pinsPerSecond: number
  anchorHttpPerSecond: number
  orders: number
  ordersPerSecond: number
  anchorOrdersPerSecond: number
  uploadBytes: number
  gatewayMiBps: number
  directMiBps: number
  /** Median over rounds of (direct time / gateway time) of back-to-back uploads. */
  uploadRatio: number
  /** CPU the gateway process and the IPFS node process spent on one gateway upload (best round). */
  gatewayCpuMs: number
  nodeCpuMs: number
  /** CPU the IPFS node spent on one direct upload (best round), to compare with `nodeCpuMs`. */
  nodeDirectCpuMs: number
  cores: number
}

interface Child {
  child: ChildProcess
  exited: Promise<unknown>
}

function start(args: string[], ready: (line: string) => boolean): Promise<Child & { lines: string[] }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.stderr!.on('data', (d: Buffer) => lines.push(d.toString()))
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      if (ready(line)) resolve({ child, exited, lines })
    })
    exited.then((code) => reject(new Error(`crust ${args[0]} exited (${code}):\n${lines.slice(-20).join('\n')}`)))
  })
}

async function stop(c: Child | undefined): Promise<void> {
  if (c === undefined || c.child.exitCode !== null || c.child.signalCode !== null) return
  c.child.kill('SIGTERM')
  await c.exited
}

function jsonField<T>(line: string, msg: string): T | undefined {
  try {
    const e = JSON.parse(line) as { msg?: string }
    return e.msg === msg ? (e as T) : undefined
  } catch {
    return undefined
  }
}

/** Runs `task(i)` for i < n with at most `width` in flight. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      for (let i = next++; i < n; i = next++) await task(i)
    }),
  )
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gateway bench: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** `size` bytes of xorshift noise in 1 MiB chunks, generated lazily (a distinct seed = distinct blocks). */
async function* noise(size: number, seed: number): AsyncGenerator<Uint8Array> {
  let x = seed >>> 0 || 1
  for (let done = 0; done < size; done += MIB) {
    const chunk = new Uint8Array(Math.min(MIB, size - done))
    const view = new Uint32Array(chunk.buffer, 0, chunk.length >>> 2)
    for (let j = 0; j < view.length; j++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      view[j] = x >>> 0
    }
    yield chunk
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}

/** POST /api/v0/add of a streamed multipart body; resolves after the answer is read. */
async function streamAdd(url: string, size: number, seed: number, authorization?: string): Promise<number> {
  const boundary = `bench${seed}`
  const enc = new TextEncoder()
  async function* body() {
    yield enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
    yield* noise(size, seed)
    yield enc.encode(`\r\n--${boundary}--\r\n`)
  }
  const t0 = performance.now()
  const res = await fetch(`${url}/api/v0/add?cid-version=1&pin=false`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(authorization === undefined ? {} : { authorization }) },
    body: ReadableStream.from(body()),
    duplex: 'half',
  } as RequestInit)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`add answered ${res.status}: ${text}`)
  return performance.now() - t0
}

export async function runGatewayBench(opts: GatewayBenchOptions = {}): Promise<GatewayBench> {
  const cids = opts.cids ?? 200
  const accounts = opts.accounts ?? 10
  const width = opts.concurrency ?? 50
  const uploadBytes = (opts.uploadMiB ?? 256) * MIB
  await cryptoWaitReady()
  const base = mkdtempSync(join(tmpdir(), 'crust-ts-bench-gateway-'))
  let node: Child | undefined
  let ipfs: Child | undefined
  let gateway: Child | undefined
  let api: ApiPromise | undefined
  try {
    let rpcPort = 0
    node = await start(['node', '--chain', 'dev', '--base-path', join(base, 'chain'), '--rpc-port', '0', '--block-time', '500'], (line) => {
      rpcPort = jsonField<{ port: number }>(line, 'RPC server listening')?.port ?? 0
      return rpcPort > 0
    })
    let ports: { apiPort: number; gatewayPort: number } | undefined
    ipfs = await start(['ipfs', 'daemon', '--repo', join(base, 'ipfs'), '--api-port', '0', '--gateway-port', '0', '--swarm-port', '0'], (line) => {
      ports = jsonField(line, 'IPFS daemon ready')
      return ports !== undefined
    })
    const ipfsApi = `http://127.0.0.1:${ports!.apiPort}`
    const chainRpc = `ws://127.0.0.1:${rpcPort}`
    api = await ApiPromise.create({ provider: new WsProvider(chainRpc) as unknown as ApiOptions['provider'], noInitWarn: true } as ApiOptions)
    const gw = spawn(
      process.execPath,
      [
        CLI_BIN,
        'gateway',
        '--ipfs-api',
        ipfsApi,
        '--ipfs-gateway',
        `http://127.0.0.1:${ports!.gatewayPort}`,
        '--chain',
        chainRpc,
        '--account',
        '//Ferdie',
        '--data',
        join(base, 'gateway'),
        '--port',
        '0',
        '--psa-port',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, CRUST_LOG: 'warn' } },
    )
    gateway = { child: gw, exited: new Promise((resolve) => gw.once('exit', resolve)) }
    const urls = await new Promise<{ gateway: string; psa: string }>((resolve, reject) => {
      gw.on('message', (m: { type?: string; endpoints?: { gateway: string; psa: string } }) => m.type === 'ready' && resolve(m.endpoints!))
      gateway!.exited.then((code) => reject(new Error(`crust gateway exited (${code})`)))
    })

    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const tokens = Array.from({ length: accounts }, (_, i) => {
      const pair = keyring.addFromUri(`//GatewayBench${i}`)
      return `Bearer ${Buffer.from(`sub-${pair.address}:${u8aToHex(pair.sign(pair.address))}`).toString('base64')}`
    })
    const files: string[] = []
    await pool(cids, 8, async (i) => {
      const form = new FormData()
      form.append('file', new Blob([`gateway bench file ${i} ${Date.now()}\n`.repeat(64)]), 'f')
      const res = await fetch(`${ipfsApi}/api/v0/add?pin=false&cid-version=1`, { method: 'POST', body: form })
      files[i] = ((await res.json()) as { Hash: string }).Hash
    })
    // Each token verified once before timing (the gateway caches verified tokens, as a long-running service does).
    for (const authorization of tokens) await (await fetch(`${urls.psa}/pins?limit=1`, { headers: { authorization } })).text()

    // Anchor 1: bare HTTP round trips to the IPFS API, same client, same concurrency.
    const httpN = cids * (accounts - 1)
    let t0 = performance.now()
    await pool(httpN, width, async () => {
      await (await fetch(`${ipfsApi}/api/v0/version`, { method: 'POST' })).text()
    })
    const anchorHttpPerSecond = (httpN * 1000) / (performance.now() - t0)

    const pin = async (k: number) => {
      const res = await fetch(`${urls.psa}/pins`, {
        method: 'POST',
        headers: { authorization: tokens[Math.floor(k / cids)]!, 'content-type': 'application/json' },
        body: JSON.stringify({ cid: files[k % cids], name: `bench-${k}` }),
      })
      await res.text()
      if (res.status !== 202) throw new Error(`pin answered ${res.status}`)
    }
    const ferdie = keyring.addFromUri('//Ferdie').address
    const ferdieNonce = (await api.rpc.system.accountNextIndex(ferdie)).toNumber()

    // Orders: the first account pins every CID; the engine orders each once.
    const t0Orders = performance.now()
    await pool(cids, width, (k) => pin(k))
    await until(async () => {
      const res = await fetch(`${urls.psa}/pins?status=pinning,pinned&limit=1`, { headers: { authorization: tokens[0]! } })
      return ((await res.json()) as { count: number }).count >= cids
    }, 'every order placed')
    const ordersPerSecond = (cids * 1000) / (performance.now() - t0Orders)

    // Pin burst: the other accounts pin the same CIDs (accepted and stored; no new order).
    const burst = cids * (accounts - 1)
    const burstStart = performance.now()
    await pool(burst, width, (k) => pin(cids + k))
    const pinsPerSecond = (burst * 1000) / (performance.now() - burstStart)
    const sent = (await api.rpc.system.accountNextIndex(ferdie)).toNumber() - ferdieNonce
    if (sent !== cids) throw new Error(`the service account sent ${sent} extrinsics for ${cids} CIDs`)

    // Anchor 2: the same number of orders, pre-signed with consecutive nonces, sent straight to the node
    // with the engine's default concurrency (32 awaiting inclusion at once; the pool takes 64 per sender).
    const eve = keyring.addFromUri('//Eve')
    const first = (await api.rpc.system.accountNextIndex(eve.address)).toNumber()
    const txs: Array<ReturnType<NonNullable<typeof api.tx.market>['placeStorageOrder']>> = []
    for (let i = 0; i < cids; i++) {
      const cid = CID.create(1, 0x55, await sha256.digest(new TextEncoder().encode(`anchor order ${i} ${Date.now()}`))).toString()
      txs.push(await api.tx.market!.placeStorageOrder!(cid, MIB, 0, '').signAsync(eve, { nonce: first + i, era: 0 }))
    }
    t0 = performance.now()
    await pool(cids, ENGINE_CONCURRENCY, async (i) => {
      await new Promise<void>((resolve, reject) => {
        let unsub: (() => void) | undefined
        let done = false
        txs[i]!.send((result) => {
          if (!result.status.isInBlock) return
          done = true
          unsub?.()
          if (result.dispatchError === undefined) resolve()
          else reject(new Error(`anchor order failed: ${result.dispatchError.toString()}`))
        }).then((u) => {
          unsub = u
          if (done) u()
        }, reject)
      })
    })
    const anchorOrdersPerSecond = (cids * 1000) / (performance.now() - t0)

    // Upload: the same amount of (distinct) bytes straight to the node and through the gateway,
    // back to back, `uploadRounds` times; the ratio is the median of the rounds' ratios (the machine is shared).
    // The CPU each process spends on a gateway upload says what the extra hop costs on a shared machine.
    let directMs = Number.POSITIVE_INFINITY
    let gatewayMs = Number.POSITIVE_INFINITY
    let gatewayCpuMs = Number.POSITIVE_INFINITY
    let nodeCpuMs = Number.POSITIVE_INFINITY
    let nodeDirectCpuMs = Number.POSITIVE_INFINITY
    const pairRatios: number[] = []
    const ipfsPid = ipfs.child.pid
    for (let round = 0; round < (opts.uploadRounds ?? 5); round++) {
      const viaGateway = async () => {
        const [gw0, node0] = [cpuMs(gw.pid), cpuMs(ipfsPid)]
        const ms = await streamAdd(urls.gateway, uploadBytes, 12 + 2 * round, tokens[0])
        gatewayCpuMs = Math.min(gatewayCpuMs, cpuMs(gw.pid) - gw0)
        nodeCpuMs = Math.min(nodeCpuMs, cpuMs(ipfsPid) - node0)
        return ms
      }
      // The order alternates so neither path always runs right after the other's garbage.
      const straight = async () => {
        const node0 = cpuMs(ipfsPid)
        const ms = await streamAdd(ipfsApi, uploadBytes, 11 + 2 * round)
        nodeDirectCpuMs = Math.min(nodeDirectCpuMs, cpuMs(ipfsPid) - node0)
        return ms
      }
      const gatewayFirst = round % 2 === 1
      const early = gatewayFirst ? await viaGateway() : await straight()
      const late = gatewayFirst ? await straight() : await viaGateway()
      const [direct, through] = gatewayFirst ? [late, early] : [early, late]
      directMs = Math.min(directMs, direct)
      gatewayMs = Math.min(gatewayMs, through)
      pairRatios.push(direct / through)
    }
    pairRatios.sort((a, b) => a - b)
    const mibps = (ms: number) => uploadBytes / MIB / (ms / 1000)
    return {
      pins: cids * (accounts - 1),
      accounts,
      pinsPerSecond,
      anchorHttpPerSecond,
      orders: cids,
      ordersPerSecond,
      anchorOrdersPerSecond,
      uploadBytes,
      gatewayMiBps: mibps(gatewayMs),
      directMiBps: mibps(directMs),
      uploadRatio: pairRatios[Math.floor(pairRatios.length / 2)]!,
      gatewayCpuMs,
      nodeCpuMs,
      nodeDirectCpuMs,
      cores: availableParallelism(),
    }
  } finally {
    await api?.disconnect()
    await stop(gateway)
    await stop(ipfs)
    await stop(node)
    rmSync(base, { recursive: true, force: true })
  }
}

export function formatGatewayBench(r: GatewayBench): string {
  return [
    `gateway: ${r.pins} pin requests (${r.accounts - 1} W3Auth accounts x ${r.orders} CIDs already ordered) accepted at ${r.pinsPerSecond.toFixed(0)} pins/s (202, stored durably; no order sent twice)`,
    `  anchor: bare HTTP requests to the IPFS API from the same client ${r.anchorHttpPerSecond.toFixed(0)}/s; ratio ${(r.pinsPerSecond / r.anchorHttpPerSecond).toFixed(2)}`,
    `gateway: the order engine placed ${r.orders} orders (one account pinning ${r.orders} new CIDs; pin/add, size, signed order until in a block) at ${r.ordersPerSecond.toFixed(1)} orders/s against a dev chain node (500 ms blocks)`,
    `  anchor: ${r.orders} pre-signed placeStorageOrder submitted straight to the node ${r.anchorOrdersPerSecond.toFixed(1)} orders/s; ratio ${(r.ordersPerSecond / r.anchorOrdersPerSecond).toFixed(2)}`,
    `gateway: ${(r.uploadBytes / MIB).toFixed(0)} MiB upload through the W3Auth gateway ${r.gatewayMiBps.toFixed(1)} MiB/s vs straight to the node API ${r.directMiBps.toFixed(1)} MiB/s (best rounds); median ratio of back-to-back rounds ${(100 * r.uploadRatio).toFixed(0)} % (target >= 90 %)`,
    `  CPU for one upload through the gateway: gateway process ${r.gatewayCpuMs.toFixed(0)} ms (${(r.uploadBytes / MIB / (r.gatewayCpuMs / 1000)).toFixed(0)} MiB/s per core), IPFS node ${r.nodeCpuMs.toFixed(0)} ms (${r.nodeDirectCpuMs.toFixed(0)} ms for a direct upload); ${r.cores} cores shared by client, gateway and node`,
  ].join('\n')
}
