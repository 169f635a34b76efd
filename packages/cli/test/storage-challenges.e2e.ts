/**
 * Storage challenges on `crust dev` with real processes (issue #18): a validator and two storage
 * nodes on a spec with challenges on (a 20-block report slot, W = 10). A file uploaded with
 * `crust upload` is ordered with its root; one uploaded with `--no-root` gets the root its two
 * holders submit. Every slot each node is challenged on both: its sManager asks its sWorker for
 * the proofs and answers, and the chain passes them. Then one node's
 * sealed data of the file is deleted on disk: its next challenge fails (or it declares the loss)
 * and its replica is removed, while the other node keeps passing. `crust status` shows the root,
 * each holder's last proof and the removed replica's fault. Costs about 2-3 minutes (the
 * network's start dominates).
 */
import assert from 'node:assert/strict'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { alive, connectApi, type DevProcess, devArgs, makeBasePath, startDev, waitFor, writeDevSpec } from '@crust-ts/testkit'
import { pseudoRandom } from './fixtures/bytes.js'
import { runCrust } from './fixtures/ipfs-process.js'

const REPORT_SLOT = 20
const MiB = 1024 * 1024

interface Stats {
  issued: number
  passed: number
  failed: number
  declared: number
}

/** The file(s) under `dir` named `name`, at any depth. */
function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith(`/blocks/${name}`))
    .map((p) => join(dir, p))
}

describe('storage challenges on crust dev', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise
  let cid: string

  const anchorOf = async (who: string) => ((await api.query.swork.identities(who)).toJSON() as { anchor: string }).anchor
  const stats = async (who: string) => (await api.query.challenges.stats(await anchorOf(who))).toJSON() as unknown as Stats
  const faults = async (who: string) => (await api.query.challenges.faults(await anchorOf(who))).toJSON() as unknown as Array<{ cid: string; kind: string }>
  /** The stake limits of `who` at one finalized block (undefined: none set yet). */
  const stakeLimits = async (...who: string[]) => {
    const at = await api.at(await api.rpc.chain.getFinalizedHead())
    return Promise.all(
      who.map(async (w) => {
        const limit = (await at.query.staking.stakeLimit(w)).toJSON() as string | number | null
        return limit === null ? undefined : BigInt(limit)
      }),
    )
  }
  const holders = async () => {
    const info = (await api.query.market.filesV2(cid)).toJSON() as { replicas: Record<string, { who: string }> } | null
    return Object.values(info?.replicas ?? {}).map((r) => r.who)
  }

  before(async () => {
    await cryptoWaitReady()
    const spec = writeDevSpec(
      base.path,
      { reportSlot: REPORT_SLOT, fileDuration: 600, eraLength: 6 * REPORT_SLOT, challengesPerNode: 4, challengeWindow: 10 },
      { challenges: true },
    )
    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 2, srdUnits: 1, srdUnit: 16 * MiB, gateway: false }))
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await api?.disconnect()
    if (dev !== undefined) await dev.stop()
    for (const n of dev?.nodes ?? []) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL')
    base.remove()
  })

  const upload = async (name: string, size: number, seed: number, extra: string[]) => {
    const file = join(base.path, name)
    writeFileSync(file, pseudoRandom(size, seed))
    const run = await runCrust([
      'upload',
      file,
      '--api',
      dev.nodes[0]!.ipfsApi,
      '--chain',
      dev.chainRpc,
      '--account',
      '//Alice',
      '--replicas',
      '2',
      '--timeout',
      '240000',
      ...extra,
    ])
    assert.equal(run.code, 0, run.stderr)
    const field = (key: string) => new RegExp(`^${key}\\s+(\\S+)`, 'm').exec(run.stdout)?.[1]
    return { cid: field('cid') ?? '', root: field('root') }
  }
  /** `crust status <cid> --json`: the order with its challenges, as the chain holds them. */
  const status = async (c: string) => {
    const run = await runCrust(['status', c, '--chain', dev.chainRpc, '--json'])
    assert.equal(run.code, 0, run.stderr)
    return JSON.parse(run.stdout) as {
      replicas: Array<{ who: string; challenges: { lastProof: number | null; open: unknown[]; faults: Array<{ kind: string }> } }>
      challenges: { enabled: boolean; root: { root: string; size: string } | null; removed: Array<{ anchor: string; kind: string; block: number }> }
    }
  }
  const fixedRoot = (c: string) =>
    waitFor(async () => ((await api.query.market.fileRoots(c)).toJSON() as { root: string; size: number } | null) ?? undefined, `the root of ${c}`, 120_000)
  /** Each node's sWorker computed the given root (file/info content_root) for `c`. */
  const assertSworkerRoots = async (c: string, root: { root: string; size: number }) => {
    for (const node of dev.nodes) {
      const info = ((await (await fetch(`${node.sworkerApi}/api/v0/file/info?cid=${c}`)).json()) as Record<string, { content_root: string; size: number }>)[c]!
      assert.equal(info.content_root, root.root, `${node.name}'s sWorker root of ${c}`)
      assert.equal(info.size, Number(root.size))
    }
  }

  it("behavior: crust upload's root (ordered with it) and the root two holders fix for a --no-root order both equal every sWorker's root", async () => {
    const withRoot = await upload('with-root.bin', 1 * MiB + 12_345, 18, [])
    cid = withRoot.cid
    assert.match(withRoot.root ?? '', /^0x[0-9a-f]{64}$/, 'crust upload prints the root')
    const fixed = await fixedRoot(cid)
    assert.equal(fixed.root, withRoot.root, 'fixed by the order')
    await assertSworkerRoots(cid, fixed)
    const shown = await status(cid)
    assert.equal(shown.challenges.enabled, true)
    assert.deepEqual(shown.challenges.root, { root: withRoot.root, size: String(fixed.size) }, 'crust status shows the fixed root')
    const noRoot = await upload('no-root.bin', 300_000, 19, ['--no-root'])
    assert.equal(noRoot.root, undefined)
    await assertSworkerRoots(noRoot.cid, await fixedRoot(noRoot.cid))
  })

  it('behavior: every node answers its challenges on both files: all passed, no faults', async () => {
    for (const node of dev.nodes) {
      const s = await waitFor(
        async () => {
          const now = await stats(node.account)
          return now.passed >= 2 ? now : undefined
        },
        `${node.name}'s passed challenges`,
        120_000,
      )
      assert.equal(s.failed, 0, `${node.name} failed none`)
      assert.deepEqual(await faults(node.account), [], `${node.name} has no faults`)
      // The sManager learns of its answer's block through its own chain node, which may be a block behind the validator.
      const answered = await waitFor(async () => {
        const now = (await (await fetch(`${node.smanagerApi}/api/v0/challenges`)).json()) as {
          answered: number
          passed: number
          failed: number
          missed: number
        }
        return now.passed >= 2 ? now : undefined
      }, `${node.name}'s sManager to count its passed answers`)
      assert.ok(answered.answered >= answered.passed)
      assert.equal(answered.failed + answered.missed, 0)
    }
    // crust status shows each holder's last proof of the file, no faults, nothing removed.
    const shown = await waitFor(async () => {
      const now = await status(cid)
      return now.replicas.length === dev.nodes.length && now.replicas.every((r) => r.challenges.lastProof !== null) ? now : undefined
    }, 'crust status to show a last proof per holder')
    for (const r of shown.replicas) assert.deepEqual(r.challenges.faults, [], `${r.who} has no faults on the file`)
    assert.deepEqual(shown.challenges.removed, [])
  })

  it('behavior: a node whose sealed data of the file is deleted loses that replica with a fault and its stake limit falls below the honest one; the honest one answers every challenge over a full era', async () => {
    const [honest, damaged] = dev.nodes as [DevProcess['nodes'][0], DevProcess['nodes'][0]]
    // Both accounts are candidates on a one-validator dev chain: each report sets their stake limits.
    const limitsBefore = await waitFor(async () => {
      const [h, d] = await stakeLimits(honest.account, damaged.account)
      return h !== undefined && d !== undefined ? { h, d } : undefined
    }, 'both stake limits')
    assert.ok(limitsBefore.d > 0n && limitsBefore.h > 0n)
    const sealed = findFiles(damaged.dir, cid)
    assert.equal(sealed.length, 1, `${damaged.name}'s sealed data file of ${cid}`)
    for (const f of sealed) rmSync(f)
    const honestBefore = await stats(honest.account)
    const fault = await waitFor(
      async () => (await faults(damaged.account)).find((f) => f.kind === 'InvalidProof' || f.kind === 'Missed' || f.kind === 'Declared'),
      `a fault of ${damaged.name}`,
      120_000,
    )
    assert.ok(fault !== undefined)
    await waitFor(async () => ((await holders()).includes(damaged.account) ? undefined : true), `${damaged.name}'s replica removed`, 60_000)
    assert.ok((await holders()).includes(honest.account), `${honest.name} still holds it`)
    const honestAfter = await waitFor(
      async () => {
        const now = await stats(honest.account)
        return now.passed > honestBefore.passed ? now : undefined
      },
      `${honest.name}'s next passed challenge`,
      120_000,
    )
    assert.equal(honestAfter.failed, 0, `${honest.name} still failed none`)
    // The damaged node's stake limit falls at once with its replica (and stays below the honest
    // node's at the same block: the same storage but for that file).
    const limitsAfter = await waitFor(async () => {
      const [h, d] = await stakeLimits(honest.account, damaged.account)
      return h !== undefined && d !== undefined && d < h ? { h, d } : undefined
    }, `${damaged.name}'s stake limit below ${honest.name}'s (before: ${limitsBefore.d} vs ${limitsBefore.h})`)
    assert.ok(limitsAfter.d < limitsAfter.h)
    // crust status: the damaged node's replica is gone with its fault listed; the honest one's last proof stands.
    const shown = await status(cid)
    assert.deepEqual(
      shown.replicas.map((r) => r.who),
      [honest.account],
    )
    assert.ok(shown.replicas[0]!.challenges.lastProof !== null)
    const damagedAnchor = await anchorOf(damaged.account)
    assert.ok(
      shown.challenges.removed.some((f) => f.anchor === damagedAnchor && f.kind === fault.kind),
      `the removed replica's ${fault.kind} fault: ${JSON.stringify(shown.challenges.removed)}`,
    )
    const text = await runCrust(['status', cid, '--chain', dev.chainRpc])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^content root\s+0x[0-9a-f]{64} over /m)
    assert.match(text.stdout, /challenges: last proof at #\d+/)
    assert.match(text.stdout, new RegExp(`replicas removed for faults:\\n  sWorker ${damagedAnchor.slice(0, 18)}…  ${fault.kind} at #\\d+`))
    // Over a full dev era (6 report slots of 2 challenges each, its two files) the honest node
    // answered every challenge issued to it: none failed, none left but the set open now.
    const era = await waitFor(
      async () => {
        const now = await stats(honest.account)
        return now.passed >= 6 * 2 ? now : undefined
      },
      `${honest.name}'s passed challenges over a full era`,
      180_000,
    )
    assert.equal(era.failed, 0)
    assert.ok(era.issued - era.passed <= 2, `issued ${era.issued}, passed ${era.passed}: at most the open set unanswered`)
    assert.deepEqual(await faults(honest.account), [], `${honest.name} has no faults`)
  })
})
