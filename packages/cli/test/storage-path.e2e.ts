/**
 * The whole storage path on `crust dev`: a file added through node A and ordered on chain is
 * pulled, sealed and reported by all three storage nodes; its bytes come back from node C's
 * gateway; a node killed with SIGKILL is punished while its replica still counts (Crust's rule), and
 * reports again after a restart; the order expires and the nodes settle it and delete the file.
 */
import { pseudoRandom } from './fixtures/bytes.js'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { callOf } from '@crust-ts/node'
import { alive, type DevProcess, send, devArgs, startDev, writeDevSpec } from '@crust-ts/testkit'
import { runCrust } from './fixtures/ipfs-process.js'
import { connectApi, makeBasePath, waitFor } from '@crust-ts/testkit'

const REPORT_SLOT = 10
/**
 * Blocks an order lasts: the cases between the order and its expiry took about 110 s in CI, so 270
 * leaves more than twice that of margin while the expiry case waits less (it waited 120 s at 360).
 */
const FILE_DURATION = 270
const MiB = 1024 * 1024

interface FileInfo {
  fileSize: number
  expiredAt: number
  reportedReplicaCount: number
  replicas: Record<string, { who: string; isReported: boolean }>
}

describe('the storage path on crust dev', () => {
  const base = makeBasePath()
  let dev: DevProcess
  let api: ApiPromise
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const restarted: Array<ReturnType<typeof spawn>> = []

  const fileInfo = async (cid: string) => (await api.query.market.filesV2(cid)).toJSON() as unknown as FileInfo | null

  const field = (out: string, name: string) =>
    out
      .split('\n')
      .find((l) => l.startsWith(`${name} `))
      ?.slice(name.length)
      .trim()
  const stakeLimit = async (who: string) => BigInt(((await api.query.staking.stakeLimit(who)).toJSON() as number | string | null) ?? 0)

  before(async () => {
    await cryptoWaitReady()
    const spec = writeDevSpec(base.path, { reportSlot: REPORT_SLOT, fileDuration: FILE_DURATION, eraLength: 6 * REPORT_SLOT })
    dev = await startDev(join(base.path, 'dev'), devArgs({ spec, storageNodes: 3, srdUnits: 2, srdUnit: 16 * MiB }))
    api = await connectApi(dev.chainRpc)
  })

  after(async () => {
    await api?.disconnect()
    for (const child of restarted) child.kill('SIGKILL')
    if (dev !== undefined && dev.child.exitCode === null) {
      dev.child.kill('SIGINT')
      await dev.exited
    }
    for (const n of dev?.nodes ?? []) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL')
    base.remove()
  })

  let cid: string
  let bytes: Uint8Array
  let limitsBefore: bigint[] = []
  let prepaidCid: string

  it("behavior: each storage node runs its own chain node, in step with the validator's chain, and its work reports reach the chain through it", async () => {
    for (const node of dev.nodes) {
      // Its command names no chain RPC: only the chain spec and the validator's p2p address.
      const { args } = JSON.parse(readFileSync(join(node.dir, 'command.json'), 'utf8')) as { args: string[] }
      assert.equal(args.includes('--chain-rpc'), false, `${node.name} is given no chain RPC`)
      assert.ok(args.includes('--bootnodes'), `${node.name} dials the validator over p2p`)
      assert.ok(!args.includes(dev.chainRpc), `${node.name} does not know the validator's RPC`)
      assert.notEqual(node.chainRpc, dev.chainRpc)
      const own = await connectApi(node.chainRpc)
      try {
        // The validator's finalized block, with the same hash, is final on the node's chain too.
        const finalHash = await api.rpc.chain.getFinalizedHead()
        const finalNumber = (await api.rpc.chain.getHeader(finalHash)).number.toNumber()
        await waitFor(
          async () => {
            const ownFinal = (await own.rpc.chain.getHeader(await own.rpc.chain.getFinalizedHead())).number.toNumber()
            return ownFinal >= finalNumber ? true : undefined
          },
          `${node.name}'s chain to finalize #${finalNumber}`,
          60_000,
        )
        assert.equal((await own.rpc.chain.getBlockHash(finalNumber)).toHex(), finalHash.toHex(), `${node.name} finalized the validator's block #${finalNumber}`)
        // Its best block is one the validator has (same number, same hash).
        const ownBest = await own.rpc.chain.getHeader()
        await waitFor(
          async () => ((await api.rpc.chain.getHeader()).number.toNumber() >= ownBest.number.toNumber() ? true : undefined),
          `the validator at #${ownBest.number.toNumber()}`,
        )
        assert.equal(
          (await api.rpc.chain.getBlockHash(ownBest.number.toNumber())).toHex(),
          ownBest.hash.toHex(),
          `${node.name}'s best block is on the validator's chain`,
        )
        // Its sWorker, which only knows the node's own RPC, registered and reported: both are on the validator's chain.
        const report = await waitFor(
          async () => {
            const id = (await api.query.swork.identities(node.account)).toJSON() as { anchor?: string } | null
            if (id?.anchor === undefined) return undefined
            const wr = (await api.query.swork.workReports(id.anchor)).toJSON() as { reportSlot: number; free: number } | null
            return wr === null ? undefined : wr
          },
          `${node.name}'s work report on the validator's chain`,
          120_000,
        )
        assert.equal(report.free, 2 * 16 * MiB, `${node.name} reported its 2 SRD units`)
        // Its node-local view agrees.
        const ownId = (await own.query.swork.identities(node.account)).toJSON() as { anchor?: string } | null
        assert.ok(ownId?.anchor !== undefined, `${node.name}'s own chain has its identity`)
      } finally {
        await own.disconnect()
      }
    }
    // And they keep reporting, slot after slot (each report waits for its block on the node's chain).
    const slotOf = async (who: string) => {
      const id = (await api.query.swork.identities(who)).toJSON() as { anchor: string }
      return ((await api.query.swork.workReports(id.anchor)).toJSON() as { reportSlot: number }).reportSlot
    }
    const firstSlots = await Promise.all(dev.nodes.map((n) => slotOf(n.account)))
    await Promise.all(
      dev.nodes.map((n, i) =>
        waitFor(async () => ((await slotOf(n.account)) >= firstSlots[i]! + 2 * REPORT_SLOT ? true : undefined), `${n.name}'s reports two slots later`, 120_000),
      ),
    )
  })

  it('behavior: crust upload of a 20 MiB file through node A gets three reported replicas, one per storage node', async () => {
    bytes = pseudoRandom(20 * MiB, 7)
    const file = join(base.path, 'data.bin')
    writeFileSync(file, bytes)
    limitsBefore = await Promise.all(dev.nodes.map((n) => stakeLimit(n.account)))
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
      '3',
      '--timeout',
      '240000',
      '--gateway',
      dev.nodes[2]!.gateway,
    ])
    assert.equal(run.code, 0, run.stderr)
    cid = field(run.stdout, 'cid')!
    assert.ok(cid !== undefined, run.stdout)
    // A second, small file with prepaid: it should renew instead of expiring.
    const small = join(base.path, 'small.bin')
    writeFileSync(small, pseudoRandom(200_000, 9))
    const smallRun = await runCrust(['upload', small, '--api', dev.nodes[0]!.ipfsApi, '--chain', dev.chainRpc, '--account', '//Alice', '--no-wait'])
    assert.equal(smallRun.code, 0, smallRun.stderr)
    prepaidCid = field(smallRun.stdout, 'cid')!
    const prepaid = await runCrust(['prepaid', prepaidCid, '10', '--chain', dev.chainRpc, '--account', '//Alice'])
    assert.equal(prepaid.code, 0, prepaid.stderr)
    const info = (await fileInfo(cid))!
    assert.ok(info.reportedReplicaCount >= 3, 'crust upload returned once three replicas were reported')
    assert.ok(info.fileSize > bytes.length, 'the order is for the DAG cumulative size')
    const holders = Object.values(info.replicas)
      .map((r) => r.who)
      .sort()
    assert.deepEqual(holders, dev.nodes.map((n) => n.account).sort())
    // Every node's sManager explains what it did.
    for (const node of dev.nodes) {
      const task = (await (await fetch(`${node.smanagerApi}/api/v0/tasks/${cid}`)).json()) as { status: string; history: Array<{ status: string }> }
      assert.equal(task.status, 'sealed', `${node.name} sealed it`)
      assert.ok(task.history.some((h) => h.status === 'pulling'))
    }
  })

  it('behavior: a website folder uploaded with crust upload is served at /ipfs/<cid>/ by node C', async () => {
    const site = join(base.path, 'site')
    mkdirSync(join(site, 'css'), { recursive: true })
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>crust-ts</title><h1>hello from crust dev</h1>')
    writeFileSync(join(site, 'css', 'site.css'), 'h1 { color: teal }')
    const run = await runCrust(['upload', site, '--api', dev.nodes[0]!.ipfsApi, '--chain', dev.chainRpc, '--account', '//Alice', '--no-wait'])
    assert.equal(run.code, 0, run.stderr)
    const siteCid = field(run.stdout, 'cid')!
    const page = await fetch(`${dev.nodes[2]!.gateway}/ipfs/${siteCid}/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /hello from crust dev/)
    assert.equal(await (await fetch(`${dev.nodes[2]!.gateway}/ipfs/${siteCid}/css/site.css`)).text(), 'h1 { color: teal }')
  })

  it("behavior: the nodes' market rewards are claimable and claimed, and their stake limits grow with the stored file", async () => {
    for (const [i, node] of dev.nodes.entries()) {
      const rewardAt = async (at?: string): Promise<bigint> => {
        const query = at === undefined ? api.query.benefits.marketBenefits : (await api.at(at)).query.benefits.marketBenefits
        return BigInt(((await query(node.account)).toJSON() as { fileReward: number | string }).fileReward)
      }
      assert.ok((await rewardAt()) > 0n, `${node.name} earned a replica reward`)
      const signer = keyring.addFromUri(node.accountUri)
      const { blockHash, error, result } = await send(api, callOf(api, 'market', 'rewardMerchant'), signer)
      assert.equal(error, undefined)
      // Rewards keep accruing while the transaction waits (other files settle), so the amount paid is
      // the one on record just before the including block, not the one read above.
      const parent = (await api.rpc.chain.getHeader(blockHash)).parentHash.toHex()
      const reward = await rewardAt(parent)
      // The reward moves from the storage pot to the node; Crust waives fees (Benefits' market quota)
      // for calculate_reward only (runtime/src/impls.rs:113-124), so reward_merchant pays its full fee,
      // which can exceed a small file's reward.
      const transfer = result.events.find(({ event }) => event.method === 'Transfer' && event.data[1]!.toString() === node.account)
      const paid = BigInt(transfer!.event.data[2]!.toString())
      // Extrinsics earlier in the same block (a report or calculate_reward) may accrue more first.
      const blockEvents = await (await api.at(blockHash)).query.system.events()
      const accruedInBlock = blockEvents.some(
        ({ event, phase }) =>
          phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() < (result.txIndex ?? 0) && ['market', 'swork'].includes(event.section),
      )
      if (accruedInBlock) assert.ok(paid >= reward, `${node.name} is paid at least its reward`)
      else assert.equal(paid, reward, `${node.name} is paid its reward`)
      const fee = result.events.find(({ event }) => event.method === 'TransactionFeePaid')!.event.data
      assert.equal(fee[0]!.toString(), node.account)
      assert.ok(BigInt(fee[1]!.toString()) > 0n, `${node.name} pays the fee`)
      assert.equal(await rewardAt(blockHash), 0n)
      await waitFor(async () => ((await stakeLimit(node.account)) > limitsBefore[i]! ? true : undefined), `${node.name}'s stake limit to grow`, 120_000)
    }
  })

  it('behavior: the bytes come back identical from node C gateway, ranges included', async () => {
    const gateway = dev.nodes[2]!.gateway
    const whole = await fetch(`${gateway}/ipfs/${cid}`)
    assert.equal(whole.status, 200)
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), bytes)
    const range = await fetch(`${gateway}/ipfs/${cid}`, { headers: { range: 'bytes=1000000-1000999' } })
    assert.equal(range.status, 206)
    assert.deepEqual(new Uint8Array(await range.arrayBuffer()), bytes.subarray(1_000_000, 1_001_000))
  })

  // Crust's rule (cstrml/market/src/lib.rs:1157-1231, cstrml/swork/src/lib.rs update_identities):
  // a node that stops reporting loses its workload at the next hourly check (its identity gets a
  // punishment deadline), but the file's replica count and the replica's `is_reported` change only
  // when replicas are added or deleted, so they stay as they were.
  it('behavior: a storage node killed with SIGKILL is punished at the next workload check while its replica still counts; restarted, it reports again', async () => {
    const victim = dev.nodes[1]!
    const identity = async () => (await api.query.swork.identities(victim.account)).toJSON() as { anchor: string; punishmentDeadline: number }
    const reportSlotOf = async () => ((await api.query.swork.workReports((await identity()).anchor)).toJSON() as { reportSlot: number }).reportSlot
    const countBefore = (await fileInfo(cid))!.reportedReplicaCount
    const deadlineBefore = (await identity()).punishmentDeadline
    process.kill(victim.pid, 'SIGKILL')
    await waitFor(async () => (alive(victim.pid) ? undefined : true), 'the node to die')
    const lastSlot = await reportSlotOf()
    // A missed slot sets the deadline to that slot + punishment slots: later than any earlier one.
    await waitFor(
      async () => {
        const deadline = (await identity()).punishmentDeadline
        return deadline > lastSlot && deadline > deadlineBefore ? true : undefined
      },
      'the missed slot to be punished',
      120_000,
    )
    const info = (await fileInfo(cid))!
    assert.equal(info.reportedReplicaCount, countBefore, 'the replica count does not follow reporter liveness')
    const replica = Object.values(info.replicas).find((r) => r.who === victim.account)
    assert.equal(replica?.isReported, true, "the silent node's replica stays reported")
    // The file stays readable from the others.
    const res = await fetch(`${dev.nodes[0]!.gateway}/ipfs/${cid}`, { headers: { range: 'bytes=0-99' } })
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(0, 100))
    // Restart it exactly as crust dev ran it.
    const command = JSON.parse(readFileSync(join(victim.dir, 'command.json'), 'utf8')) as { bin: string; args: string[] }
    const child = spawn(process.execPath, [command.bin, ...command.args], { stdio: 'ignore' })
    restarted.push(child)
    await waitFor(async () => ((await reportSlotOf()) > lastSlot ? true : undefined), 'its work reports to resume', 120_000)
    // On a slow machine the order may have run its course by now (the next case waits for that).
    const after = await fileInfo(cid)
    if (after !== null) assert.equal(after.reportedReplicaCount, countBefore)
  })

  it('behavior: without prepaid the order expires and the nodes delete the file; with prepaid it renews', async () => {
    const firstExpiry = await waitFor(
      async () => {
        const f = await fileInfo(prepaidCid)
        return f !== null && f.expiredAt > 0 ? f.expiredAt : undefined
      },
      'the prepaid file to get its replicas and an expiry',
      120_000,
    )
    await waitFor(async () => ((await fileInfo(cid)) === null ? true : undefined), 'the order to be settled and closed', 240_000)
    for (const node of [dev.nodes[0]!, dev.nodes[2]!]) {
      await waitFor(
        async () => ((await fetch(`${node.sworkerApi}/api/v0/file/info?cid=${cid}`)).status === 404 ? true : undefined),
        `${node.name} to delete the sealed file`,
        60_000,
      )
    }
    const renewed = await waitFor(
      async () => {
        const f = await fileInfo(prepaidCid)
        return f !== null && f.expiredAt > firstExpiry ? f : undefined
      },
      'the prepaid file to be renewed',
      120_000,
    )
    assert.ok(renewed.reportedReplicaCount >= 1, 'the renewed file keeps its replicas')
  })
})
