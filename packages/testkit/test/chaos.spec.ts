/**
 * The chaos run's seeded fault schedule and its invariant checks, without processes: a schedule
 * is the same for a seed and keeps its promises for any seed (never more validators down than
 * allowed, one fault per target at a time, every fault repaired before the end, disks filled and
 * freed in turn); the finality watch catches a reverted head, a changed finalized hash and two
 * nodes finalizing different blocks; the sealed-file watch a lost and a re-pulled file; the process
 * watch a crash banner in a log and a process above its memory limit; the report draws what it got;
 * the isolation check names hosts that share an address or a validator announcing its own address.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type ChaosReport,
  type ChaosScheduleInit,
  chaosSchedule,
  FinalityWatch,
  isolationProblems,
  nodeLogs,
  RssWatch,
  renderSvg,
  SealedWatch,
  uncaughtIn,
} from '../src/chaos/index.js'
import type { TestnetInfo } from '../src/testnet-process.js'
import { Workload } from '../src/chaos/workload.js'
import type { ApiPromise } from '@polkadot/api'

const shape = (seed: number): ChaosScheduleInit => ({
  seed,
  durationMs: 300_000,
  validators: ['validator-1', 'validator-2', 'validator-3', 'validator-4'],
  others: ['node-a', 'node-b', 'node-c', 'gateway'],
  meanGapMs: 10_000,
  minFaultMs: 5_000,
  maxFaultMs: 30_000,
  maxValidatorsDown: 1,
})

describe('chaosSchedule', () => {
  it('behavior: one seed, one schedule; another seed, another', () => {
    assert.deepEqual(chaosSchedule(shape(7)), chaosSchedule(shape(7)))
    assert.notDeepEqual(chaosSchedule(shape(7)), chaosSchedule(shape(8)))
    assert.ok(chaosSchedule(shape(7)).length >= 20, 'about one fault per mean gap')
  })

  it('property: never more validators down than allowed, one fault per target at a time, all repaired before the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const init = shape(seed)
        const down = new Map<string, string>()
        let last = 0
        for (const f of chaosSchedule(init)) {
          assert.ok(f.atMs >= last && f.atMs <= init.durationMs)
          last = f.atMs
          if (f.kind === 'fill' || f.kind === 'free' || f.kind === 'skew' || f.kind === 'unskew') continue
          if (f.kind === 'kill' || f.kind === 'cut') {
            assert.equal(down.has(f.target), false, `${f.target} faulted twice at ${f.atMs}`)
            down.set(f.target, f.kind)
          } else {
            assert.equal(down.get(f.target), f.kind === 'restart' ? 'kill' : 'cut', `${f.kind} of ${f.target} at ${f.atMs} repairs no fault`)
            down.delete(f.target)
          }
          assert.ok(init.validators.filter((v) => down.has(v)).length <= init.maxValidatorsDown, `too many validators down at ${f.atMs}`)
        }
        assert.equal(down.size, 0, 'every fault repaired')
      }),
      { numRuns: 200 },
    )
  })
})

describe('chaosSchedule: disk faults', () => {
  const withDisk = (seed: number): ChaosScheduleInit => ({ ...shape(seed), diskTargets: ['node-a'] })

  it('behavior: a disk target adds fills and frees of that disk, and leaves the kills and cuts of the seed as they were', () => {
    const faults = chaosSchedule(withDisk(7))
    const disk = faults.filter((f) => f.kind === 'fill' || f.kind === 'free')
    assert.ok(disk.length >= 2, 'at least one fill and its free in 5 minutes')
    assert.deepEqual(new Set(disk.map((f) => f.target)), new Set(['node-a']))
    assert.deepEqual(
      faults.filter((f) => f.kind !== 'fill' && f.kind !== 'free'),
      chaosSchedule(shape(7)),
    )
    assert.deepEqual(chaosSchedule(withDisk(7)), faults, 'replayable')
  })

  it('property: a disk is filled, then freed, in turn, and free at the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const init = withDisk(seed)
        let full = false
        for (const f of chaosSchedule(init).filter((g) => g.kind === 'fill' || g.kind === 'free')) {
          assert.equal(f.kind === 'fill', !full, `${f.kind} at ${f.atMs} out of turn`)
          assert.ok(f.atMs <= init.durationMs)
          full = f.kind === 'fill'
        }
        assert.equal(full, false, 'freed before the end')
      }),
      { numRuns: 200 },
    )
  })
})

describe('chaosSchedule: clock skews', () => {
  const withClock = (seed: number): ChaosScheduleInit => ({ ...shape(seed), clockTargets: ['validator-2'], maxClockOffsetMs: 4000 })

  it('behavior: a clock target adds skews of that validator, each set right again, and leaves the kills and cuts of the seed as they were', () => {
    const faults = chaosSchedule(withClock(7))
    const clock = faults.filter((f) => f.kind === 'skew' || f.kind === 'unskew')
    assert.ok(clock.length >= 2)
    assert.deepEqual(new Set(clock.map((f) => f.target)), new Set(['validator-2']))
    assert.deepEqual(
      faults.filter((f) => f.kind !== 'skew' && f.kind !== 'unskew'),
      chaosSchedule(shape(7)),
    )
    assert.deepEqual(chaosSchedule(withClock(7)), faults, 'replayable')
  })

  it('property: skews alternate with their repair, by 1/4 to 1 times the largest offset either way, and none is left at the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const init = withClock(seed)
        let skewed = false
        for (const f of chaosSchedule(init).filter((g) => g.kind === 'skew' || g.kind === 'unskew')) {
          assert.equal(f.kind === 'skew', !skewed, `${f.kind} at ${f.atMs} out of turn`)
          if (f.kind === 'skew') assert.ok(Math.abs(f.offsetMs!) >= 1000 && Math.abs(f.offsetMs!) <= 4000, `offset ${f.offsetMs}`)
          skewed = f.kind === 'skew'
        }
        assert.equal(skewed, false, 'set right before the end')
        // Never while the validator is down or cut (skewing restarts it).
        let down = false
        for (const f of chaosSchedule(init).filter((g) => g.target === 'validator-2')) {
          if (f.kind === 'kill' || f.kind === 'cut') down = true
          else if (f.kind === 'restart' || f.kind === 'heal') down = false
          else if (f.kind === 'skew' || f.kind === 'unskew') assert.equal(down, false, `${f.kind} at ${f.atMs} while validator-2 is down or cut`)
        }
      }),
      { numRuns: 200 },
    )
  })
})

describe('SealedWatch', () => {
  const valid = (cBlockNum: number) => ({ type: 'valid', cBlockNum })

  it('behavior: files that stay sealed, and new ones, break nothing; pending ones are not yet promised', () => {
    const watch = new SealedWatch()
    watch.observe('node-a', { x: valid(10), p: { type: 'pending', cBlockNum: 0 } })
    watch.observe('node-a', { x: valid(10), y: valid(12) })
    assert.deepEqual(watch.violations, [])
    assert.deepEqual(watch.counts(), { 'node-a': 2 })
  })

  it('error: a sealed file gone, or lost, is lost (once per file)', () => {
    const watch = new SealedWatch()
    watch.observe('node-a', { x: valid(10), y: valid(11) })
    watch.observe('node-a', { y: { type: 'lost', cBlockNum: 11 } })
    watch.observe('node-a', {})
    assert.deepEqual(watch.violations.map((v) => [v.invariant, v.cid]).sort(), [
      ['no sealed file lost', 'x'],
      ['no sealed file lost', 'y'],
    ])
  })

  it('error: a file sealed again (another sealing block) was pulled again', () => {
    const watch = new SealedWatch()
    watch.observe('node-a', { x: valid(10) })
    watch.observe('node-b', { x: valid(20) })
    watch.observe('node-a', { x: valid(30) })
    assert.deepEqual(
      watch.violations.map((v) => [v.invariant, v.node]),
      [['a restarted storage node does not pull again what it had sealed', 'node-a']],
    )
  })

  // A 60-minute run: a pin's order expired while the gateway was cut and killed; its nodes deleted
  // the file, the pinning service ordered it again, and they sealed it anew. The old watch counted
  // both as broken invariants.
  it('behavior: a file deleted with its ended order, or sealed anew for a new order, is neither lost nor pulled again; a loss after that still counts', () => {
    const watch = new SealedWatch()
    const ended = new Set<string>()
    const orderEnded = (cid: string) => ended.has(cid)
    watch.observe('node-a', { x: valid(10), y: valid(11) }, orderEnded)
    assert.deepEqual(watch.suspects('node-a', { y: valid(11) }), ['x'])
    ended.add('x')
    watch.observe('node-a', { y: valid(11) }, orderEnded)
    ended.delete('x') // ordered again: its order stands
    watch.observe('node-a', { x: valid(40), y: valid(11) }, orderEnded)
    ended.add('y')
    watch.observe('node-a', { x: valid(40), y: valid(50) }, orderEnded)
    assert.equal(watch.violations.length, 0, JSON.stringify(watch.violations))
    assert.deepEqual(watch.counts(), { 'node-a': 4 }, 'x and y sealed twice each')
    // the new sealings are what is promised now
    watch.observe('node-a', { y: valid(50) }, orderEnded)
    watch.observe('node-a', { y: valid(50) }, () => false)
    assert.deepEqual(
      watch.violations.map((v) => [v.invariant, v.cid, v.detail]),
      [['no sealed file lost', 'x', 'node-a sealed x at #40, now absent']],
    )
  })
})

describe('process watch', () => {
  it('behavior: a crash banner and an unhandled rejection are found in a log; ordinary errors are not', () => {
    const log = [
      '{"level":50,"msg":"block production failed"}',
      'file:///x/dist/src/a.js:10',
      "TypeError: Cannot read properties of undefined (reading 'x')",
      'Node.js v24.3.0',
      '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function]',
    ].join('\n')
    assert.deepEqual(uncaughtIn(log), ['Node.js v24.3.0', '[UnhandledPromiseRejection: This error originated either by throwing inside of an async function]'])
    assert.deepEqual(uncaughtIn('{"level":30,"msg":"imported block"}\n'), [])
  })

  it('behavior: the processes above the memory limit, with their peak', () => {
    const rss = new RssWatch()
    rss.observe('validator-1', 0, 100)
    rss.observe('validator-1', 1000, 300)
    rss.observe('node-a', 0, 150)
    assert.deepEqual(rss.peaks(), { 'validator-1': 300, 'node-a': 150 })
    assert.deepEqual(rss.over(200), [{ name: 'validator-1', peak: 300 }])
    assert.deepEqual(rss.over(300), [])
  })
})

describe('renderSvg', () => {
  it('behavior: draws a bar per file (grey for an expired order), a bar per fault from injection to repair, and the verdict', () => {
    const report: ChaosReport = {
      seed: 42,
      minutes: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      faultsEndMs: 60_000,
      invariants: [
        { name: 'a', held: true, detail: '' },
        { name: 'b', held: false, detail: '' },
      ],
      faults: [
        { atMs: 10_000, kind: 'kill', target: 'node-a', ok: true },
        { atMs: 20_000, kind: 'restart', target: 'node-a', ok: true },
        { atMs: 30_000, kind: 'fill', target: 'node-b', ok: true },
        { atMs: 40_000, kind: 'free', target: 'node-b', ok: true },
      ],
      heads: [
        { atMs: 0, best: 1, finalized: 0 },
        { atMs: 30_000, best: 30, finalized: 20 },
      ],
      files: [
        { kind: 'order', cid: 'bafy1', size: 1, via: 'node-a', acceptedAtMs: 5000, replicas: 3 },
        { kind: 'pin', cid: 'bafy2', size: 1, via: 'gateway', acceptedAtMs: 6000, replicas: 2 },
        { kind: 'order', cid: 'bafy3', size: 1, via: 'node-a', acceptedAtMs: 7000, replicas: 3, expired: true },
      ],
      transfers: { sent: 1, acknowledged: 1 },
      rssPeakBytes: {},
      sealedFiles: {},
    }
    const svg = renderSvg(report)
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    assert.match(svg, /seed 42, 1 min: 1 of 2 invariants held/)
    assert.equal((svg.match(/<title>bafy/g) ?? []).length, 3, 'one bar per file')
    assert.match(svg, /fill="#aaaaaa"><title>bafy3: 3 \(expired\)<\/title>/, 'an order that ran its course in grey, with its last replicas')
    assert.equal((svg.match(/fill="#d62728"/g) ?? []).length, 1, 'one kill bar')
    assert.equal((svg.match(/fill="#9467bd"/g) ?? []).length, 1, 'one disk-full bar')
    assert.match(svg, />node-a</)
    assert.match(svg, />node-b</)
  })
})

describe('FinalityWatch', () => {
  it('behavior: nodes that finalize the same chain, at their own pace, break nothing', () => {
    const watch = new FinalityWatch()
    for (let h = 1; h <= 5; h++) watch.observe('a', h, `0x${h}`, true)
    for (let h = 1; h <= 3; h++) watch.observe('b', h, `0x${h}`, true)
    assert.deepEqual(watch.violations, [])
    assert.equal(watch.commonHeight(), 3)
  })

  it('error: a finalized head going back is a revert', () => {
    const watch = new FinalityWatch()
    watch.observe('a', 5, '0x5', true)
    watch.observe('a', 4, '0x4', true)
    assert.deepEqual(
      watch.violations.map((v) => [v.invariant, v.node, v.height]),
      [['no finalized block reverted', 'a', 4]],
    )
  })

  it('error: a node whose finalized hash at a height changes reverted it', () => {
    const watch = new FinalityWatch()
    watch.observe('a', 5, '0x5', true)
    watch.observe('a', 5, '0xbad', false)
    assert.deepEqual(
      watch.violations.map((v) => v.invariant),
      ['no finalized block reverted'],
    )
  })

  it('error: two nodes finalizing different blocks at one height disagree', () => {
    const watch = new FinalityWatch()
    watch.observe('a', 5, '0x5', true)
    watch.observe('b', 5, '0xfork', true)
    assert.deepEqual(
      watch.violations.map((v) => [v.invariant, v.node, v.height]),
      [['all nodes agree on finalized blocks', 'b', 5]],
    )
  })
})

describe('nodeLogs', () => {
  it("behavior: finds each node's log in the testnet's folder, the small disk's node's beside its folder, and skips a folder without one", () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-logs-'))
    try {
      for (const node of ['validator-1', 'node-a', 'node-b']) mkdirSync(join(dir, node))
      writeFileSync(join(dir, 'validator-1', 'node.log'), 'v\n')
      writeFileSync(join(dir, 'node-a.log'), 'a\n')
      const found = nodeLogs(dir).sort((x, y) => x.host.localeCompare(y.host))
      assert.deepEqual(found, [
        { host: 'node-a', log: join(dir, 'node-a.log') },
        { host: 'validator-1', log: join(dir, 'validator-1', 'node.log') },
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('isolationProblems', () => {
  const host = (name: string, address: string) => ({ name, ns: `ns-${name}`, address, pid: 1, running: true, cut: false })
  const info = (validatorP2p: string[], nodeAddress: string, namespaces: string[]): TestnetInfo => ({
    chainRpc: 'ws://10.0.0.1:9944',
    bootnodes: [],
    control: 'http://127.0.0.1:1',
    seed: 1,
    faults: { latencyMs: 80, jitterMs: 20, loss: 0.01, by: 'proxy' },
    bridge: 'ctn1br',
    namespaces,
    validators: [{ ...host('validator-1', '10.0.0.2'), rpc: 'ws://10.0.0.2:9944', p2p: validatorP2p }],
    storageNodes: [
      {
        ...host('node-a', nodeAddress),
        accountUri: '//Ferdie',
        account: 'x',
        dir: '/x',
        chainRpc: '',
        ipfsApi: '',
        gateway: '',
        sworkerApi: '',
        smanagerApi: '',
        metrics: '',
        multiaddrs: [],
      },
    ],
  })

  it('behavior: hosts with their own addresses and namespaces, a validator announcing its proxy: no problem', async () => {
    assert.deepEqual(await isolationProblems(info(['/ip4/10.0.0.1/tcp/40001/p2p/12D3'], '10.0.0.3', ['ns-a', 'ns-b'])), [])
  })

  it('error: two hosts on one address, a namespace short, a validator announcing its own address: each said', async () => {
    const problems = await isolationProblems(info(['/ip4/10.0.0.2/tcp/30333/p2p/12D3'], '10.0.0.2', ['ns-a']))
    assert.equal(problems.length, 3, problems.join('\n'))
    assert.match(problems[0]!, /2 hosts share 1 addresses/)
    assert.match(problems[1]!, /1 namespaces for 2 hosts/)
    assert.match(problems[2]!, /validator-1 announces \/ip4\/10\.0\.0\.2\//)
  })
})

describe('Workload replicas', () => {
  /** A chain client with just what `updateReplicas` reads: the best block and `market.filesV2`. */
  const chainAt = (best: number, files: Record<string, { reportedReplicaCount: number; expiredAt: number } | null>) =>
    ({
      rpc: { chain: { getHeader: async () => ({ number: { toNumber: () => best } }) } },
      query: { market: { filesV2: async (cid: string) => ({ toJSON: () => files[cid] ?? null }) } },
    }) as unknown as ApiPromise
  const workloadOn = (api: ApiPromise) => {
    const w = new Workload({ api, storageNodes: [], seed: 1, pauseMs: 0, signal: AbortSignal.abort(), startedAt: Date.now() })
    for (const cid of ['expires', 'lost', 'young']) w.accepted.push({ kind: 'order', cid, size: 1, sha256: '', via: 'node-a', acceptedAtMs: 0, replicas: 0 })
    return w
  }

  it('behavior: a file the chain closed after its expiry block had its 3 replicas; one closed before it, or below 3, breaks the invariant', async () => {
    const w = workloadOn(
      chainAt(100, {
        expires: { reportedReplicaCount: 3, expiredAt: 600 },
        lost: { reportedReplicaCount: 3, expiredAt: 600 },
        young: { reportedReplicaCount: 2, expiredAt: 650 },
      }),
    )
    await w.updateReplicas()
    assert.deepEqual(
      w.short().map((f) => f.cid),
      ['young'],
    )
    // Block 600: "expires" and "lost" reached their expiry block and were closed (ran their course, with
    // 3 replicas before); "young" was closed too, before its block 650, at 2 replicas: broken.
    const later = w as unknown as { init: { api: ApiPromise } }
    later.init.api = chainAt(600, { lost: null, young: null })
    await w.updateReplicas()
    assert.deepEqual(
      w.accepted.map((f) => [f.cid, f.expired === true]),
      [
        ['expires', true],
        ['lost', true],
        ['young', false],
      ],
    )
    assert.deepEqual(
      w.short().map((f) => f.cid),
      ['young'],
    )
    // Seen ended at block 600: a sealing before it ended with it, one after it is a new order's.
    assert.equal(w.ended('expires', 415), true)
    assert.equal(w.ended('expires', 600), false)
    assert.equal(w.ended('young', 415), false, 'closed early: not an order that ran its course')
  })

  it('error: a file closed before its expiry block counts as below 3 replicas', async () => {
    const w = workloadOn(
      chainAt(100, {
        expires: { reportedReplicaCount: 3, expiredAt: 600 },
        lost: { reportedReplicaCount: 3, expiredAt: 600 },
        young: { reportedReplicaCount: 3, expiredAt: 600 },
      }),
    )
    await w.updateReplicas()
    assert.deepEqual(w.short(), [])
    ;(w as unknown as { init: { api: ApiPromise } }).init.api = chainAt(599, {
      expires: { reportedReplicaCount: 3, expiredAt: 600 },
      young: { reportedReplicaCount: 3, expiredAt: 600 },
    })
    await w.updateReplicas()
    assert.deepEqual(
      w.short().map((f) => [f.cid, f.replicas]),
      [['lost', 0]],
    )
  })
})
