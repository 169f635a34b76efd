/**
 * A chaos run: `crust testnet` with latency and loss (and a gateway, and a small disk on one
 * storage node), a seeded schedule of kills, restarts, cuts, heals and disk fills, clients sending
 * transfers, storage orders and pinning-service pins throughout, and the invariants checked from
 * the clients' side, continuously and at the end (see the list the run ends with). Writes a report
 * (JSON and an SVG chart) and ends with one line per invariant.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { startTestnet, type TestnetInfo, type TestnetProcess } from '../testnet-process.js'
import { type Acknowledged, finalizedSend } from './finalized-send.js'
import { FinalityWatch } from './finality-watch.js'
import { isolationProblems, teardownProblems } from './host-checks.js'
import { nodeLogs, RssWatch, residentBytes, uncaughtIn } from './process-watch.js'
import { type ChaosReport, type InvariantResult, renderSvg } from './report.js'
import { chaosSchedule, type ScheduledFault } from './schedule.js'
import { type SealedFile, SealedWatch } from './sealed-watch.js'
import { Workload } from './workload.js'

export type { InvariantResult } from './report.js'

export interface ChaosOptions {
  minutes: number
  seed: number
  validators: number
  storageNodes: number
  latencyMs: number
  jitterMs: number
  lossPercent: number
  /** Run the testnet's gateway (W3Auth IPFS API and pinning service) and pin through it. */
  gateway: boolean
  /** The first storage node's data folder is a tmpfs of this size, filled and freed by the schedule (undefined: no disk faults). */
  smallDiskBytes?: number
  /** Skew one validator's clock by up to this much now and then (0: never). */
  maxClockOffsetMs: number
  /** A process whose resident set goes above this broke "memory bounded". */
  rssLimitBytes: number
  /** Where the report (chaos-<seed>.json and .svg) goes. */
  reportDir: string
  /** Pause between two files of one storage client. */
  filePauseMs: number
  /** Where each line of the run's story goes. */
  print: (line: string) => void
}

export interface ChaosOutcome {
  invariants: InvariantResult[]
  /** The report's JSON file (its SVG beside it). */
  reportPath: string
}

const POLL_MS = 1000
const STORAGE_POLL_MS = 5000
const TRANSFER_TIMEOUT_MS = 60_000
const RECOVERY_TIMEOUT_MS = 180_000
/** How long after the faults stop every accepted file may take to reach 3 reported replicas. */
const REPLICAS_TIMEOUT_MS = 300_000
const TRANSFER_RETRY_PAUSE_MS = 2000
const FILL_CHUNK = 1 << 20
const FILL_FILE = 'chaos-disk-fill'

/** One JSON-RPC call over HTTP (the chain RPC answers HTTP on its WebSocket port). */
async function rpc<T>(ws: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(ws.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(3000),
  })
  const body = (await res.json()) as { result?: T; error?: { message: string } }
  if (body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? 'no result'}`)
  return body.result
}

async function finalizedHead(ws: string): Promise<{ number: number; hash: string }> {
  const hash = await rpc<string>(ws, 'chain_getFinalizedHead')
  const header = await rpc<{ number: string }>(ws, 'chain_getHeader', [hash])
  return { number: Number.parseInt(header.number, 16), hash }
}

async function bestNumber(ws: string): Promise<number> {
  return Number.parseInt((await rpc<{ number: string }>(ws, 'chain_getHeader')).number, 16)
}

/** Fills the file system of `dir` to the last byte (a file of zeros, written until ENOSPC); returns the bytes written. */
export function fillDisk(dir: string): number {
  const fd = openSync(join(dir, FILL_FILE), 'a')
  const chunk = Buffer.alloc(FILL_CHUNK)
  let written = 0
  try {
    for (let size = FILL_CHUNK; size >= 1; ) {
      try {
        written += writeSync(fd, chunk, 0, size)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
        size = Math.floor(size / 2)
      }
    }
  } finally {
    closeSync(fd)
  }
  return written
}

export function freeDisk(dir: string): void {
  if (existsSync(join(dir, FILL_FILE))) unlinkSync(join(dir, FILL_FILE))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runChaos(opts: ChaosOptions): Promise<ChaosOutcome> {
  await cryptoWaitReady()
  const { print } = opts
  print(`chaos: seed ${opts.seed} (replay with --seed ${opts.seed}), ${opts.minutes} min`)
  const base = mkdtempSync(join(tmpdir(), 'crust-chaos-'))
  let net: TestnetProcess | undefined
  let api: ApiPromise | undefined
  /** Stops the clients (at the end of the schedule: what they had accepted by then is checked). */
  const clients = new AbortController()
  /** Stops the watches (once everything is checked). */
  const stop = new AbortController()
  /** Set once the verdict is known: the nodes' logs are kept beside the report unless every invariant held. */
  let keepLogs = true
  try {
    net = await startTestnet(join(base, 'net'), [
      '--validators',
      String(opts.validators),
      '--storage-nodes',
      String(opts.storageNodes),
      ...(opts.gateway ? [] : ['--no-gateway']),
      ...(opts.smallDiskBytes === undefined || opts.storageNodes === 0 ? [] : ['--small-disk', String(opts.smallDiskBytes)]),
      '--latency',
      String(opts.latencyMs),
      '--jitter',
      String(opts.jitterMs),
      '--loss',
      String(opts.lossPercent),
      '--seed',
      String(opts.seed),
    ])
    const testnet = net
    // The launcher holds every link and the control API: if it dies, say why at once (its last lines).
    void net.exited.then((code) => {
      if (!stop.signal.aborted) print(`chaos: crust testnet exited (${code}) during the run: ${testnet.logs.slice(-5).join(' | ').slice(0, 2000)}`)
    })
    const info = net.info
    const validators = info.validators.map((v) => ({ name: v.name, rpc: v.rpc }))
    const nodes = [...validators, ...info.storageNodes.map((n) => ({ name: n.name, rpc: n.chainRpc }))]
    const smallDisk = info.storageNodes.find((n) => n.diskBytes !== undefined)
    print(
      `chaos: testnet ready (${validators.length} validators, ${info.storageNodes.length} storage nodes${info.gateway === undefined ? '' : ', a gateway'}${smallDisk === undefined ? '' : `, ${smallDisk.name} on a ${opts.smallDiskBytes} B disk`}; faults by ${info.faults.by})`,
    )
    const isolation = await isolationProblems(info)
    const durationMs = opts.minutes * 60_000
    const schedule = chaosSchedule({
      seed: opts.seed,
      durationMs,
      validators: validators.map((v) => v.name),
      others: [...info.storageNodes.map((n) => n.name), ...(info.gateway === undefined ? [] : ['gateway'])],
      meanGapMs: 15_000,
      minFaultMs: 5_000,
      maxFaultMs: Math.min(30_000, durationMs / 4),
      maxValidatorsDown: Math.floor((validators.length - 1) / 3),
      ...(smallDisk === undefined ? {} : { diskTargets: [smallDisk.name] }),
      ...(opts.maxClockOffsetMs > 0 && validators.length > 1 ? { clockTargets: [validators.at(-1)!.name], maxClockOffsetMs: opts.maxClockOffsetMs } : {}),
    })
    const started = Date.now()
    const elapsed = () => Date.now() - started

    // The watches: finality and heads once a second, processes (memory, exits) once a second,
    // sealed files and replicas every few seconds.
    const watch = new FinalityWatch()
    const heads: ChaosReport['heads'] = []
    const rss = new RssWatch()
    const sealed = new SealedWatch()
    /** Processes the schedule has killed and not restarted yet. */
    const killed = new Set<string>()
    const unexpectedExits: string[] = []
    const poll = (async () => {
      while (!stop.signal.aborted) {
        const seen = await Promise.all(
          nodes.map(async (n) => {
            try {
              const [head, best] = await Promise.all([finalizedHead(n.rpc), bestNumber(n.rpc)])
              watch.observe(n.name, head.number, head.hash, true)
              return { best, finalized: head.number }
            } catch {
              // A killed or cut node does not answer: not an invariant of its own.
              return undefined
            }
          }),
        )
        const answered = seen.filter((s) => s !== undefined)
        if (answered.length > 0)
          heads.push({ atMs: elapsed(), best: Math.max(...answered.map((s) => s.best)), finalized: Math.max(...answered.map((s) => s.finalized)) })
        try {
          const now = await testnet.network()
          for (const h of hosts(now)) {
            if (h.running) {
              const bytes = residentBytes(h.pid)
              if (bytes !== undefined) rss.observe(h.name, elapsed(), bytes)
            } else if (!killed.has(h.name) && !unexpectedExits.some((e) => e.startsWith(`${h.name} `))) {
              unexpectedExits.push(`${h.name} at +${Math.round(elapsed() / 1000)} s`)
              print(`chaos: +${Math.round(elapsed() / 1000)} s ${h.name} exited without being killed`)
            }
          }
        } catch {}
        await sleep(POLL_MS)
      }
    })()
    const storageNodes = info.storageNodes.map((n) => ({ name: n.name, ipfsApi: n.ipfsApi, gateway: n.gateway, sworkerApi: n.sworkerApi }))
    const observeSealed = async () => {
      await Promise.all(
        storageNodes.map(async (n) => {
          try {
            const res = await fetch(`${n.sworkerApi}/api/v0/file/info_by_type?type=all`, { signal: AbortSignal.timeout(5000) })
            if (res.status !== 200) return
            const byType = (await res.json()) as Record<string, Record<string, { type: string; c_block_num: number }>>
            const files: Record<string, SealedFile> = {}
            for (const group of Object.values(byType)) for (const [cid, f] of Object.entries(group)) files[cid] = { type: f.type, cBlockNum: f.c_block_num }
            // Files no longer sealed as they were: deleted with their order, or sealed for a new one?
            // (closed on chain now: ended after any sealing the node had made of it)
            const closedNow = new Set<string>()
            for (const cid of sealed.suspects(n.name, files)) {
              if ((await chain.query.market!.filesV2!(cid).catch(() => undefined))?.isEmpty === true) closedNow.add(cid)
            }
            sealed.observe(n.name, files, (cid, sealedAt) => closedNow.has(cid) || workload.ended(cid, sealedAt))
          } catch {
            // Down or cut: asked again on the next round.
          }
        }),
      )
    }

    // The clients: transfers one after the other through any validator that answers; files ordered and pinned.
    const provider = new WsProvider(validators.map((v) => v.rpc)) as unknown as ApiOptions['provider']
    api = await ApiPromise.create({ provider, noInitWarn: true } as ApiOptions)
    const chain = api
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const alice = keyring.addFromUri('//Alice')
    const bob = keyring.addFromUri('//Bob')
    const acknowledged: Acknowledged[] = []
    let sent = 0
    const transfers = (async () => {
      while (!clients.signal.aborted) {
        sent++
        try {
          acknowledged.push(
            await finalizedSend(chain, chain.tx.balances!.transferKeepAlive!(bob.address, 1_000_000_000n + BigInt(sent)), alice, TRANSFER_TIMEOUT_MS),
          )
        } catch {
          // Not acknowledged (a fault got in the way): nothing is promised about it. A pause, so a
          // refused submission (a validator cut off with the previous one in its pool) is not
          // retried in a tight loop.
          await sleep(TRANSFER_RETRY_PAUSE_MS)
        }
      }
    })()
    const workload = new Workload({
      api: chain,
      storageNodes,
      ...(info.gateway === undefined ? {} : { gateway: { gateway: info.gateway.gateway, psa: info.gateway.psa } }),
      seed: opts.seed,
      pauseMs: opts.filePauseMs,
      signal: clients.signal,
      startedAt: started,
    })
    const files = workload.run()
    const storagePoll = (async () => {
      while (!stop.signal.aborted) {
        await Promise.all([observeSealed(), workload.updateReplicas()])
        await sleep(STORAGE_POLL_MS)
      }
    })()

    // The faults, at their times.
    const injected: ChaosReport['faults'] = []
    const inject = async (f: ScheduledFault) => {
      await sleep(Math.max(0, started + f.atMs - Date.now()))
      let ok = true
      let note = ''
      try {
        if (f.kind === 'fill') note = ` (${fillDisk(smallDisk!.dir)} B written)`
        else if (f.kind === 'free') freeDisk(smallDisk!.dir)
        else if (f.kind === 'skew' || f.kind === 'unskew') {
          // The node reads its clock offset at start: a restart with the offset (0 sets it right).
          killed.add(f.target)
          await testnet.control('/kill', { name: f.target })
          await testnet.control('/restart', { name: f.target, clockOffsetMs: f.kind === 'skew' ? f.offsetMs : 0 })
          killed.delete(f.target)
          if (f.kind === 'skew') note = ` by ${f.offsetMs} ms`
        } else {
          if (f.kind === 'kill') killed.add(f.target)
          await testnet.control(`/${f.kind}`, { name: f.target })
          if (f.kind === 'restart') killed.delete(f.target)
        }
      } catch (err) {
        ok = false
        note = ` failed: ${(err as Error).message}`
      }
      injected.push({ ...f, atMs: elapsed(), ok })
      print(`chaos: +${(elapsed() / 1000).toFixed(0)} s ${f.kind} ${f.target}${note}`)
    }
    // A restart returns once the node is up again (seconds): each target's faults one after the
    // other, the targets side by side, so one slow restart does not delay every later fault. The
    // validators share one line, so no more of them are down at once than the schedule allows.
    const lines = new Map<string, ScheduledFault[]>()
    for (const f of schedule) {
      const line = f.kind === 'fill' || f.kind === 'free' ? `disk ${f.target}` : validators.some((v) => v.name === f.target) ? 'validators' : f.target
      lines.set(line, [...(lines.get(line) ?? []), f])
    }
    await Promise.all(
      [...lines.values()].map(async (line) => {
        for (const f of line) await inject(f)
      }),
    )
    injected.sort((a, b) => a.atMs - b.atMs)
    await sleep(Math.max(0, started + durationMs - Date.now()))
    const faultsEndMs = elapsed()
    clients.abort()
    await Promise.all([transfers, files])
    print(
      `chaos: ${schedule.length / 2} faults injected and repaired; ${acknowledged.length} transfers and ${workload.accepted.length} files accepted; checking`,
    )

    // A process that died of its own (not by the schedule) is started again, so the rest can be checked.
    for (const h of hosts(await testnet.network())) {
      if (!h.running) await testnet.control('/restart', { name: h.name }).catch(() => {})
    }

    // Once faults stop, finality must resume everywhere: every node past the best finalized block now.
    const target = Math.max(-1, ...(await Promise.all(validators.map((v) => finalizedHead(v.rpc).catch(() => ({ number: -1 }))))).map((h) => h.number)) + 2
    const recovered = await waitUntil(async () => {
      const now = await Promise.all(nodes.map((n) => finalizedHead(n.rpc).catch(() => ({ number: -1 }))))
      return now.every((h) => h.number >= target)
    }, RECOVERY_TIMEOUT_MS)
    // And every accepted file must reach 3 reported replicas.
    const replicated = await waitUntil(async () => {
      await workload.updateReplicas()
      return workload.short().length === 0
    }, REPLICAS_TIMEOUT_MS)
    const unreadable = await workload.unreadable()
    await observeSealed()
    stop.abort()
    await Promise.all([poll, storagePoll])

    // At the end: every height every node finalized, compared across nodes.
    const common = watch.commonHeight()
    for (const n of nodes) {
      for (let h = 1; h <= common; h++) {
        try {
          watch.observe(n.name, h, await rpc<string>(n.rpc, 'chain_getBlockHash', [h]), false)
        } catch {}
      }
    }
    // Read from the validator furthest in finality (one that did not recover would report blocks missing).
    const finalHeads = await Promise.all(validators.map(async (v) => ({ v, head: await finalizedHead(v.rpc).catch(() => ({ number: -1 })) })))
    const reader = finalHeads.reduce((a, b) => (b.head.number > a.head.number ? b : a)).v.rpc
    const missing: string[] = []
    for (const a of acknowledged) {
      const block = await rpc<{ block: { header: { number: string }; extrinsics: string[] } }>(reader, 'chain_getBlock', [a.blockHash]).catch(() => undefined)
      const number = block === undefined ? -1 : Number.parseInt(block.block.header.number, 16)
      const canonical = number < 0 ? undefined : await rpc<string>(reader, 'chain_getBlockHash', [number])
      const included = block?.block.extrinsics.some((x) => chain.createType('Extrinsic', x).hash.toHex() === a.txHash) ?? false
      if (canonical !== a.blockHash) missing.push(`block ${a.blockHash} (of ${a.txHash}) not in the chain`)
      else if (!included) missing.push(`${a.txHash} not in its block ${a.blockHash}`)
    }
    const crashes = scanLogs(join(base, 'net'))
    const overLimit = rss.over(opts.rssLimitBytes)
    const peaks = rss.peaks()
    const highest = Object.entries(peaks).reduce<[string, number]>((a, b) => (b[1] > a[1] ? b : a), ['none', 0])

    const broken = (name: string) => watch.violations.filter((v) => v.invariant === name)
    // A file the chain closed or let expire is deleted by its nodes, as it should be: not lost.
    const closedOnChain = new Set<string>()
    for (const cid of new Set(sealed.violations.map((v) => v.cid))) {
      const file = await chain.query.market!.filesV2!(cid).catch(() => undefined)
      if (file?.isEmpty === true) closedOnChain.add(cid)
    }
    // Last of all, once nothing more is asked of the nodes: stopped, what is left behind?
    await chain.disconnect().catch(() => {})
    const teardown = await teardownProblems(
      testnet,
      hosts(await testnet.network()).map((h) => h.pid),
    )
    const brokenSealed = (name: string) => sealed.violations.filter((v) => v.invariant === name && !closedOnChain.has(v.cid))
    const detail = (list: Array<{ detail: string }>) =>
      list
        .slice(0, 3)
        .map((v) => v.detail)
        .join('; ')
    const short = workload.short()
    const expired = workload.accepted.filter((f) => f.expired === true).length
    const sealedCounts = sealed.counts()
    const invariants: InvariantResult[] = [
      {
        name: 'every node its own host, reaching the others only through the link proxies',
        held: isolation.length === 0,
        detail: isolation.length === 0 ? `${info.namespaces.length} namespaces, no direct dial between hosts` : isolation.join('; '),
      },
      {
        name: 'no finalized block reverted',
        held: broken('no finalized block reverted').length === 0,
        detail:
          broken('no finalized block reverted').length === 0
            ? `finalized heads of ${nodes.length} nodes polled`
            : detail(broken('no finalized block reverted')),
      },
      {
        name: 'all nodes agree on finalized blocks',
        held: broken('all nodes agree on finalized blocks').length === 0,
        detail:
          broken('all nodes agree on finalized blocks').length === 0
            ? `#1 to #${common} on ${nodes.length} nodes`
            : detail(broken('all nodes agree on finalized blocks')),
      },
      {
        name: 'every acknowledged finalized transfer is in the chain',
        held: missing.length === 0,
        detail:
          missing.length === 0 ? `${acknowledged.length} of ${sent} transfers acknowledged, all in the chain` : `missing: ${missing.slice(0, 3).join(', ')}`,
      },
      {
        name: 'finality resumes once faults stop',
        held: recovered,
        detail: recovered ? `every node finalized #${target}` : `not every node finalized #${target} within ${RECOVERY_TIMEOUT_MS / 1000} s`,
      },
      {
        name: 'every accepted file reaches 3 reported replicas once faults stop',
        held: replicated && workload.accepted.length > 0,
        detail:
          workload.accepted.length === 0
            ? `no file accepted (${workload.attempts.order} orders, ${workload.attempts.pin} pins tried)`
            : replicated
              ? `${workload.accepted.filter((f) => f.kind === 'order').length} ordered and ${workload.accepted.filter((f) => f.kind === 'pin').length} pinned files (of ${workload.attempts.order} and ${workload.attempts.pin} tried), all with ≥ 3${expired === 0 ? '' : ` (${expired} of them had, then their orders ran their course)`}`
              : `${short.length} of ${workload.accepted.length} below 3 after ${REPLICAS_TIMEOUT_MS / 1000} s: ${short
                  .slice(0, 3)
                  .map((f) => `${f.kind} ${f.cid} (${f.replicas})`)
                  .join(', ')}`,
      },
      {
        name: 'every accepted file is retrievable byte-identical from another node',
        held: unreadable.length === 0,
        detail: unreadable.length === 0 ? `${workload.accepted.length - expired} files read back (not those expired)` : unreadable.slice(0, 3).join('; '),
      },
      {
        name: 'no sealed file lost',
        held: brokenSealed('no sealed file lost').length === 0,
        detail:
          brokenSealed('no sealed file lost').length === 0
            ? `sealed per node: ${Object.entries(sealedCounts)
                .map(([n, c]) => `${n} ${c}`)
                .join(', ')}`
            : detail(brokenSealed('no sealed file lost')),
      },
      {
        name: 'a restarted storage node does not pull again what it had sealed',
        held: brokenSealed('a restarted storage node does not pull again what it had sealed').length === 0,
        detail:
          brokenSealed('a restarted storage node does not pull again what it had sealed').length === 0
            ? `${injected.filter((f) => f.kind === 'restart' && storageNodes.some((n) => n.name === f.target)).length} storage node restarts, no file sealed twice`
            : detail(brokenSealed('a restarted storage node does not pull again what it had sealed')),
      },
      {
        name: 'memory of every process bounded',
        held: overLimit.length === 0 && rss.samples.size > 0,
        detail:
          overLimit.length === 0
            ? `peak ${(highest[1] / 2 ** 20).toFixed(0)} MiB (${highest[0]}) of ${(opts.rssLimitBytes / 2 ** 20).toFixed(0)} MiB allowed`
            : overLimit.map((o) => `${o.name} ${(o.peak / 2 ** 20).toFixed(0)} MiB`).join(', '),
      },
      {
        name: 'no uncaught exception in any log, no process exited unless killed',
        held: crashes.length === 0 && unexpectedExits.length === 0,
        detail:
          crashes.length === 0 && unexpectedExits.length === 0
            ? `${Object.keys(peaks).length} processes' logs read`
            : [...unexpectedExits.map((e) => `${e} exited`), ...crashes].slice(0, 4).join('; '),
      },
      {
        name: 'stopped, the network leaves no process, namespace or bridge behind',
        held: teardown.length === 0,
        detail: teardown.length === 0 ? `${hosts(info).length} processes, ${info.namespaces.length} namespaces and ${info.bridge} gone` : teardown.join('; '),
      },
    ]

    const report: ChaosReport = {
      seed: opts.seed,
      minutes: opts.minutes,
      startedAt: new Date(started).toISOString(),
      faultsEndMs,
      invariants,
      faults: injected,
      heads,
      files: workload.accepted.map(({ sha256: _, ...f }) => f),
      transfers: { sent, acknowledged: acknowledged.length },
      rssPeakBytes: peaks,
      sealedFiles: sealedCounts,
    }
    mkdirSync(opts.reportDir, { recursive: true })
    const reportPath = resolve(opts.reportDir, `chaos-${opts.seed}.json`)
    writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`)
    writeFileSync(reportPath.replace(/\.json$/, '.svg'), renderSvg(report))
    keepLogs = invariants.some((r) => !r.held)
    return { invariants, reportPath }
  } finally {
    clients.abort()
    stop.abort()
    await api?.disconnect().catch(() => {})
    await net?.stop()
    if (keepLogs) {
      const logs = resolve(opts.reportDir, `chaos-${opts.seed}-logs`)
      try {
        for (const { host, log } of nodeLogs(join(base, 'net'))) {
          mkdirSync(logs, { recursive: true })
          copyFileSync(log, join(logs, `${host}.log`))
        }
        print(`chaos: the nodes' logs are in ${logs}`)
      } catch {}
    }
    try {
      rmSync(base, { recursive: true, force: true })
    } catch (err) {
      // A small disk still mounted (a launcher that had to be killed): left for the operator, said once.
      print(`chaos: ${base} not removed: ${(err as Error).message}`)
    }
  }
}

/** Every host of the network with a process (validators, storage nodes, the gateway). */
function hosts(info: TestnetInfo): Array<{ name: string; pid: number; running: boolean }> {
  return [...info.validators, ...info.storageNodes, ...(info.gateway === undefined ? [] : [info.gateway])]
}

/** The lines of every node's log that tell of an uncaught exception, prefixed with the host. */
function scanLogs(dir: string): string[] {
  const found: string[] = []
  for (const { host, log } of nodeLogs(dir)) {
    for (const line of uncaughtIn(readFileSync(log, 'utf8'))) found.push(`${host}: ${line.slice(0, 200)}`)
  }
  return found
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(POLL_MS)
  }
  return false
}
