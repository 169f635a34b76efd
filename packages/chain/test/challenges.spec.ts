/**
 * Storage challenges on the real runtime (harness, no network): roots fixed by the order or by two
 * agreeing holders, challenges issued at each report slot, answers verified against the root (free
 * when right), forged and late answers, missed deadlines, declared losses, and the offence after
 * repeated faults.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { storageProof } from '@crust-ts/protocol'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { ChallengesStorage as C, type ChallengeSet, OFFENCE_FAULT_THRESHOLD } from '../src/pallets/challenges/index.js'
import { FileRootCandidates, FileRoots } from '../src/pallets/market/file-roots.js'
import { FilesV2 } from '../src/pallets/market/storage.js'
import { ConcurrentReportsIndex, STORAGE_CHALLENGE_FAILURE } from '../src/pallets/offences/index.js'
import { StakeLimit } from '../src/pallets/staking/index.js'
import { Identities, WorkReports } from '../src/pallets/swork/index.js'
import { ROOT, type RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { account, assertError, newReporter, openBlock, sworkHarness } from './fixtures/swork-env.js'

const SLOT = 60
const WINDOW = 20
const text = (s: string) => new TextEncoder().encode(s)

/** `size` pseudo-random bytes (no two segments alike, so a proof of one never passes for another). */
function bytesOf(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let at = 0, i = 0; at < size; at += 32, i++)
    out.set(
      createHash('sha256')
        .update(`${seed}:${i}`)
        .digest()
        .subarray(0, size - at),
      at,
    )
  return out
}

/** A file: content, a real CIDv1 (raw, sha256) as Crust stores it (its string's bytes), its tree and root. */
function file(size: number, seed: number) {
  const content = bytesOf(size, seed)
  const cid = text(CID.createV1(0x55, createDigest(0x12, createHash('sha256').update(content).digest())).toString())
  const tree = storageProof.contentTree(content)
  return { content, cid, tree, root: { root: tree.root, size: BigInt(size) } }
}
type File = ReturnType<typeof file>

const FILES = [file(5000, 1), file(20_000, 2), file(1500, 3), file(3000, 4), file(9000, 5), file(1025, 6)]
const NODE1 = account(21)
const NODE2 = account(22)
const NODE3 = account(23)
const alice = () => new Keyring({ type: 'sr25519' }).addFromUri('//Alice').publicKey

const byCid = (cid: Uint8Array) => FILES.find((f) => Buffer.from(f.cid).equals(Buffer.from(cid)))!
const proofFor = (f: File, segment: number) => {
  const { start, end } = storageProof.chunkRange(f.tree, segment)
  return storageProof.proveSegment(f.tree, segment, f.content.subarray(start, end))
}
/** The honest answer to a set. */
const answer = (set: ChallengeSet) => set.challenges.map(({ cid, segment }) => proofFor(byCid(cid), segment))
const openSet = (h: RuntimeHarness, who: Uint8Array) => C.OpenChallenges.get(h.state, who)
const replicaHolders = (h: RuntimeHarness, f: File) => FilesV2.get(h.state, f.cid)!.replicas.map(([, r]) => Buffer.from(r.who).toString('hex'))
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
/** The anchor of `who`'s sWorker. */
const anchorOf = (h: RuntimeHarness, who: Uint8Array) => Identities.get(h.state, who)!.anchor
const events = (h: RuntimeHarness, method: string) => h.lastEvents.filter((e) => e.method === method).map((e) => e.data.map(String))

interface Setup {
  h: RuntimeHarness
}

/**
 * Alice orders `files` (with their roots unless `withRoots` is false) at block 2; each node reports
 * its files there; challenges are switched on (unless `enable` is false).
 */
async function setup(holdings: Array<[Uint8Array, File[]]>, options: { withRoots?: boolean; enable?: boolean } = {}): Promise<Setup> {
  await cryptoWaitReady()
  const h = await sworkHarness()
  openBlock(h, 2)
  const ordered = new Set<File>(holdings.flatMap(([, fs]) => fs))
  for (const f of ordered) {
    const args = { cid: f.cid, reported_file_size: f.root.size, tips: 0n, memo: new Uint8Array() }
    const err =
      options.withRoots === false
        ? h.call(signed(alice()), 'Market', 'place_storage_order', args)
        : h.call(signed(alice()), 'Market', 'place_storage_order_with_root', { ...args, root: f.root })
    assert.equal(err, undefined)
  }
  for (const [who, fs] of holdings) {
    const added = fs.map((f) => [f.cid, f.root.size, 2n] as [Uint8Array, bigint, bigint])
    newReporter(h, who, { added_files: added, reported_files_size: fs.reduce((a, f) => a + f.root.size, 0n) })
  }
  if (options.enable !== false) assert.equal(h.call(ROOT, 'Challenges', 'set_enabled', { enabled: true }), undefined)
  h.endBlock()
  return { h }
}

/** Runs to the first block of report slot `slot` (challenges are issued in its on_initialize) and leaves it open. */
function toSlot(h: RuntimeHarness, slot: number): void {
  openBlock(h, slot)
}

describe('challenges: issuing', () => {
  it('behavior: at a slot start each node with replicas gets min(k, its files) distinct files, a segment each, due W blocks later', async () => {
    const { h } = await setup([
      [NODE1, FILES.slice(0, 3)],
      [NODE2, FILES],
      [NODE3, []],
    ])
    toSlot(h, SLOT)
    const k = h.runtime.config.challengesPerNode
    assert.equal(k, 4)
    for (const [who, held] of [
      [NODE1, FILES.slice(0, 3)],
      [NODE2, FILES],
    ] as const) {
      const set = openSet(h, who)!
      assert.equal(set.slot, BigInt(SLOT))
      assert.equal(set.issued_at, SLOT)
      assert.equal(set.deadline, SLOT + WINDOW)
      assert.equal(set.challenges.length, Math.min(k, held.length))
      const cids = set.challenges.map((c) => hex(c.cid))
      assert.equal(new Set(cids).size, cids.length, 'distinct files')
      for (const c of set.challenges) {
        const f = byCid(c.cid)
        assert.ok(held.includes(f))
        assert.ok(c.segment < storageProof.segmentCount(f.content.length))
      }
    }
    assert.equal(openSet(h, NODE3), undefined, 'a node without replicas is not challenged')
    h.endBlock()
    assert.equal(events(h, 'ChallengesIssued').length, 2)
    assert.equal(C.Stats.get(h.state, anchorOf(h, NODE1)).issued, 3)
  })

  it('behavior: nothing is issued while challenges are switched off', async () => {
    const { h } = await setup([[NODE1, FILES.slice(0, 2)]], { enable: false })
    toSlot(h, SLOT)
    assert.equal(openSet(h, NODE1), undefined)
    h.call(ROOT, 'Challenges', 'set_enabled', { enabled: true })
    openBlock(h, 2 * SLOT)
    assert.equal(openSet(h, NODE1)?.challenges.length, 2)
  })

  it('behavior: the draw depends on the seed (the hash of the block before the slot): another parent hash, other segments', async () => {
    const a = await setup([[NODE2, FILES]])
    toSlot(a.h, SLOT)
    const first = openSet(a.h, NODE2)!.challenges.map((c) => `${hex(c.cid)}:${c.segment}`)
    // Over several slots (seed = the harness's parent hash of each slot), the draws change.
    const seen = new Set([first.join()])
    for (let s = 2; s <= 4; s++) {
      a.h.call(signed(NODE2), 'Challenges', 'answer_challenges', { slot: BigInt((s - 1) * SLOT), proofs: answer(openSet(a.h, NODE2)!) })
      openBlock(a.h, s * SLOT)
      seen.add(
        openSet(a.h, NODE2)!
          .challenges.map((c) => `${hex(c.cid)}:${c.segment}`)
          .join(),
      )
    }
    assert.ok(seen.size >= 3, `draws: ${[...seen].join(' | ')}`)
  })
})

describe('challenges: answering', () => {
  it('behavior: the honest answer passes, closes the set and records the proof; the replicas stay', async () => {
    const { h } = await setup([[NODE1, FILES.slice(0, 3)]])
    toSlot(h, SLOT)
    const set = openSet(h, NODE1)!
    assert.equal(h.call(signed(NODE1), 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs: answer(set) }), undefined)
    h.endBlock()
    assert.deepEqual(events(h, 'ChallengesAnswered')[0]!.slice(1), [String(SLOT), '3', '0'])
    assert.equal(openSet(h, NODE1), undefined)
    for (const f of FILES.slice(0, 3)) {
      assert.equal(C.LastProof.get(h.state, set.anchor, f.cid), SLOT)
      assert.equal(FilesV2.get(h.state, f.cid)!.reported_replica_count, 1)
    }
    assert.deepEqual(C.Stats.get(h.state, set.anchor), { issued: 3, passed: 3, failed: 0, declared: 0 })
    // Nothing left to expire: the deadline passes quietly.
    h.runTo(SLOT + WINDOW + 2)
    assert.equal(FilesV2.get(h.state, FILES[0]!.cid)!.reported_replica_count, 1)
    assert.deepEqual(C.Faults.get(h.state, set.anchor), [])
  })

  it('behavior: an answer whose proofs all verify is free; one with a wrong proof pays its fee', async () => {
    await cryptoWaitReady()
    const keyring = new Keyring({ type: 'sr25519' })
    const eve: KeyringPair = keyring.addFromUri('//Eve')
    const ferdie: KeyringPair = keyring.addFromUri('//Ferdie')
    const { h } = await setup([
      [eve.publicKey, FILES.slice(0, 2)],
      [ferdie.publicKey, FILES.slice(2, 4)],
    ])
    toSlot(h, SLOT)
    const feePaid = () => BigInt(String(h.lastEvents.find((e) => e.method === 'TransactionFeePaid')!.data[1]))
    const good = h.submit(eve, 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs: answer(openSet(h, eve.publicKey)!) })
    assert.deepEqual(good.outcome, { included: true, success: true })
    h.endBlock()
    assert.equal(feePaid(), 0n)
    h.startBlock()
    const proofs = answer(openSet(h, ferdie.publicKey)!)
    proofs[0] = { ...proofs[0]!, segment: proofs[0]!.segment.map((b) => b ^ 1) }
    const bad = h.submit(ferdie, 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs })
    assert.deepEqual(bad.outcome, { included: true, success: true })
    h.endBlock()
    assert.ok(feePaid() > 0n)
    assert.deepEqual(events(h, 'ChallengesAnswered')[0]!.slice(2), ['1', '1'])
  })

  it('error: forged proofs fail their challenge and remove the replica: wrong bytes, wrong path, another index, another file', async () => {
    const forgeries: Array<[string, (set: ChallengeSet, proofs: ReturnType<typeof answer>) => void]> = [
      ['wrong segment bytes', (_set, p) => void (p[0] = { ...p[0]!, segment: p[0]!.segment.map((b, i) => (i === 3 ? b ^ 0x10 : b)) })],
      ['wrong path', (_set, p) => void (p[0] = { ...p[0]!, path: p[0]!.path.map((x, i) => (i === 0 ? x.map((b) => b ^ 1) : x)) })],
      [
        'a valid proof of another index',
        (set, p) => {
          const f = byCid(set.challenges[0]!.cid)
          const other = (set.challenges[0]!.segment + 1) % storageProof.segmentCount(f.content.length)
          p[0] = proofFor(f, other)
        },
      ],
      [
        'a valid proof of another file',
        (set, p) => {
          const other = FILES.find((f) => !set.challenges.some((c) => hex(c.cid) === hex(f.cid)))!
          p[0] = proofFor(other, Math.min(set.challenges[0]!.segment, storageProof.segmentCount(other.content.length) - 1))
        },
      ],
    ]
    for (const [name, forge] of forgeries) {
      const { h } = await setup([
        [NODE1, FILES.slice(0, 3)],
        [NODE2, FILES.slice(0, 3)],
      ])
      toSlot(h, SLOT)
      const set = openSet(h, NODE1)!
      const proofs = answer(set)
      forge(set, proofs)
      const target = byCid(set.challenges[0]!.cid)
      const spowerBefore = WorkReports.get(h.state, set.anchor)!.spower
      assert.equal(h.call(signed(NODE1), 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs }), undefined, name)
      h.endBlock()
      assert.deepEqual(events(h, 'ChallengesAnswered')[0]!.slice(2), [String(set.challenges.length - 1), '1'], name)
      assert.deepEqual(replicaHolders(h, target), [hex(NODE2)], `${name}: NODE1's replica is gone, NODE2's stays`)
      assert.equal(FilesV2.get(h.state, target.cid)!.reported_replica_count, 1, name)
      assert.equal(WorkReports.get(h.state, set.anchor)!.spower, spowerBefore - target.root.size, `${name}: spower lowered at once`)
      const faults = C.Faults.get(h.state, set.anchor)
      assert.deepEqual(
        faults.map((f) => [hex(f.cid), f.kind.tag]),
        [[hex(target.cid), 'InvalidProof']],
        name,
      )
      // The other challenged files keep NODE1's replica.
      for (const c of set.challenges.slice(1)) assert.ok(replicaHolders(h, byCid(c.cid)).includes(hex(NODE1)), name)
    }
  })

  it('error: a replay, an answer after the deadline, a wrong count, another slot, an account without the challenges', async () => {
    const { h } = await setup([
      [NODE1, FILES.slice(0, 3)],
      [NODE2, []],
    ])
    toSlot(h, SLOT)
    const first = answer(openSet(h, NODE1)!)
    const call = (who: Uint8Array, slot: number, proofs: ReturnType<typeof answer>) =>
      h.call(signed(who), 'Challenges', 'answer_challenges', { slot: BigInt(slot), proofs })
    // An account that holds none of these replicas has nothing to answer, even with NODE1's proofs.
    assertError(h, call(NODE2, SLOT, first), 'NoOpenChallenges')
    assertError(h, call(NODE1, SLOT, first.slice(1)), 'AnswerCountMismatch')
    assertError(h, call(NODE1, SLOT + 1, first), 'WrongSlot')
    assert.equal(call(NODE1, SLOT, first), undefined)
    // The same answer again: the set is closed.
    assertError(h, call(NODE1, SLOT, first), 'NoOpenChallenges')
    // Next slot: the earlier answer, under its own slot or the new one.
    openBlock(h, 2 * SLOT)
    const second = openSet(h, NODE1)!
    assertError(h, call(NODE1, SLOT, first), 'WrongSlot')
    // After the deadline: the block after it expires the set first, so an answer finds nothing open.
    openBlock(h, 2 * SLOT + WINDOW + 1)
    assertError(h, call(NODE1, 2 * SLOT, answer(second)), 'NoOpenChallenges')
    h.endBlock()
    assert.equal(openSet(h, NODE1), undefined)
    assert.equal(C.Faults.get(h.state, second.anchor).length, second.challenges.length)
    assert.ok(C.Faults.get(h.state, second.anchor).every((f) => f.kind.tag === 'Missed'))
  })

  it('error: an answer to a set still stored past its deadline (the expiry sweep behind) is refused as expired', async () => {
    const { h } = await setup([[NODE1, FILES.slice(0, 2)]])
    toSlot(h, SLOT)
    const set = openSet(h, NODE1)!
    openBlock(h, SLOT + WINDOW)
    // As if the bounded sweep had not reached it yet.
    C.OpenChallenges.insert(h.state, NODE1, { ...set, deadline: SLOT + WINDOW - 1 })
    assertError(h, h.call(signed(NODE1), 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs: answer(set) }), 'ChallengeExpired')
  })

  it('error: a replayed earlier answer under the new slot fails where the new challenge differs', async () => {
    const { h } = await setup([[NODE2, FILES]])
    toSlot(h, SLOT)
    const firstSet = openSet(h, NODE2)!
    const first = answer(firstSet)
    assert.equal(h.call(signed(NODE2), 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs: first }), undefined)
    openBlock(h, 2 * SLOT)
    const second = openSet(h, NODE2)!
    const changed = second.challenges.filter((c, i) => hex(c.cid) !== hex(firstSet.challenges[i]!.cid) || c.segment !== firstSet.challenges[i]!.segment)
    assert.ok(changed.length > 0, 'the new slot draws other challenges')
    assert.equal(h.call(signed(NODE2), 'Challenges', 'answer_challenges', { slot: BigInt(2 * SLOT), proofs: first }), undefined)
    h.endBlock()
    assert.deepEqual(events(h, 'ChallengesAnswered')[0]!.slice(2), [String(second.challenges.length - changed.length), String(changed.length)])
  })
})

describe('challenges: missed deadlines', () => {
  it('behavior: an unanswered set expires after W blocks: each replica removed, spower and stake limit lowered at once, faults recorded', async () => {
    const { h } = await setup([
      [NODE1, FILES.slice(0, 3)],
      [NODE2, FILES.slice(0, 3)],
    ])
    // NODE1's stake limit as an aggregation would have left it. (Three faults of one slot count as one faulty slot: no offence.)
    h.startBlock()
    StakeLimit.insert(h.state, NODE1, 10n ** 15n)
    h.endBlock()
    toSlot(h, SLOT)
    const set = openSet(h, NODE1)!
    assert.equal(h.call(signed(NODE2), 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs: answer(openSet(h, NODE2)!) }), undefined)
    const spower = WorkReports.get(h.state, set.anchor)!.spower
    assert.equal(spower, 5000n + 20_000n + 1500n)
    // Still open at the deadline block itself.
    openBlock(h, SLOT + WINDOW)
    assert.ok(openSet(h, NODE1) !== undefined)
    for (const f of FILES.slice(0, 3)) assert.equal(FilesV2.get(h.state, f.cid)!.reported_replica_count, 2)
    openBlock(h, SLOT + WINDOW + 1)
    h.endBlock()
    assert.equal(openSet(h, NODE1), undefined)
    for (const f of FILES.slice(0, 3)) {
      assert.deepEqual(replicaHolders(h, f), [hex(NODE2)])
      assert.equal(FilesV2.get(h.state, f.cid)!.reported_replica_count, 1)
    }
    assert.equal(WorkReports.get(h.state, set.anchor)!.spower, 0n)
    // Stake limit: lowered by what the removed bytes were worth (workload × SPowerRatio while workload is scarce).
    assert.equal(StakeLimit.get(h.state, NODE1), 10n ** 15n - spower)
    assert.deepEqual(
      C.Faults.get(h.state, set.anchor).map((f) => f.kind.tag),
      ['Missed', 'Missed', 'Missed'],
    )
    assert.deepEqual(C.Stats.get(h.state, set.anchor), { issued: 3, passed: 0, failed: 3, declared: 0 })
    assert.equal(events(h, 'ChallengesMissed').length, 1)
    assert.equal(events(h, 'ReplicaFailed').length, 3)
    // The node that answered keeps everything.
    assert.deepEqual(C.Faults.get(h.state, anchorOf(h, NODE2)), [])
  })

  it('behavior: faults in 3 report slots of an era are an offence through the offences pallet (the owner is chilled), reported once', async () => {
    const many = Array.from({ length: 16 }, (_, i) => file(1500 + i, 100 + i))
    const { h } = await setup([[NODE1, many]])
    h.startBlock()
    StakeLimit.insert(h.state, NODE1, 10n ** 15n)
    h.endBlock()
    for (const [slot, expected] of [
      [SLOT, 1],
      [2 * SLOT, 2],
      [3 * SLOT, 3],
      [4 * SLOT, 4],
    ] as const) {
      openBlock(h, slot + WINDOW + 1)
      h.endBlock()
      assert.equal(events(h, 'ChallengesMissed').length, 1, `slot ${slot}`)
      assert.equal(C.OwnerFaults.get(h.state, NODE1)?.slots, expected, `4 faults of one slot count once (slot ${slot})`)
      const offences = events(h, 'StorageOffence')
      if (expected !== OFFENCE_FAULT_THRESHOLD) {
        assert.equal(offences.length, 0, `slot ${slot}`)
        continue
      }
      assert.deepEqual(offences[0]!.slice(1), ['0', String(OFFENCE_FAULT_THRESHOLD)])
      assert.equal(h.lastEvents.filter((e) => e.section === 'offences' && e.method === 'Offence').length, 1)
      // Staking's handler: an offender with nothing exposed is still chilled (its stake limit gone).
      assert.equal(StakeLimit.get(h.state, NODE1), undefined)
    }
    // Recorded once for (kind, era 0, NODE1): the fourth faulty slot reports nothing new.
    assert.equal(countReports(h), 1)
    assert.equal(C.Faults.get(h.state, anchorOf(h, NODE1)).length, 16)
  })
})

const countReports = (h: RuntimeHarness) => ConcurrentReportsIndex.get(h.state, STORAGE_CHALLENGE_FAILURE.id, new Uint8Array(4)).length

describe('challenges: roots', () => {
  it('behavior: an order without a root gets one when two holders agree; a holder that disagreed loses its replica', async () => {
    const f = FILES[1]!
    const { h } = await setup(
      [
        [NODE1, [f]],
        [NODE2, [f]],
        [NODE3, [f]],
      ],
      { withRoots: false },
    )
    h.startBlock()
    assert.equal(FileRoots.get(h.state, f.cid), undefined)
    const wrong = { root: new Uint8Array(32).fill(9), size: f.root.size }
    const submit = (who: Uint8Array, root: typeof f.root) => h.call(signed(who), 'Challenges', 'submit_file_root', { cid: f.cid, root })
    assert.equal(submit(NODE1, wrong), undefined)
    assert.equal(submit(NODE2, f.root), undefined)
    assert.equal(FileRoots.get(h.state, f.cid), undefined, 'two different roots fix nothing')
    assert.equal(FileRootCandidates.get(h.state, f.cid).length, 2)
    assertError(h, submit(NODE2, f.root), 'RootAlreadySubmitted')
    assert.equal(submit(NODE3, f.root), undefined)
    h.endBlock()
    assert.deepEqual(FileRoots.get(h.state, f.cid), f.root)
    assert.deepEqual(FileRootCandidates.get(h.state, f.cid), [])
    assert.deepEqual(replicaHolders(h, f).sort(), [hex(NODE2), hex(NODE3)].sort())
    assert.equal(FilesV2.get(h.state, f.cid)!.reported_replica_count, 2)
    assert.ok(events(h, 'FileRootFixed').length === 1)
    assert.deepEqual(
      C.Faults.get(h.state, anchorOf(h, NODE1)).map((x) => x.kind.tag),
      ['WrongRoot'],
    )
    // Against the fixed root: the same root changes nothing; another removes the replica.
    h.startBlock()
    assert.equal(submit(NODE2, f.root), undefined)
    assert.deepEqual(replicaHolders(h, f).sort(), [hex(NODE2), hex(NODE3)].sort())
    assert.equal(submit(NODE3, wrong), undefined)
    assert.deepEqual(replicaHolders(h, f), [hex(NODE2)])
    // Someone without a replica cannot submit.
    assertError(h, submit(NODE1, f.root), 'NotReplicaHolder')
    assertError(h, h.call(signed(NODE2), 'Challenges', 'submit_file_root', { cid: FILES[0]!.cid, root: f.root }), 'FileNotExist')
    assertError(h, submit(NODE2, { root: f.root.root, size: 0n }), 'IllegalFileRoot')
  })

  it('behavior: before a root is fixed a node is challenged against its own submitted root; a node that submitted none fails', async () => {
    const [f, g] = [FILES[0]!, FILES[2]!]
    const { h } = await setup(
      [
        [NODE1, [f]],
        [NODE2, [g]],
      ],
      { withRoots: false },
    )
    h.startBlock()
    assert.equal(h.call(signed(NODE1), 'Challenges', 'submit_file_root', { cid: f.cid, root: f.root }), undefined)
    toSlot(h, SLOT)
    for (const who of [NODE1, NODE2]) {
      assert.equal(h.call(signed(who), 'Challenges', 'answer_challenges', { slot: BigInt(SLOT), proofs: answer(openSet(h, who)!) }), undefined)
    }
    h.endBlock()
    const answered = events(h, 'ChallengesAnswered').map((e) => e.slice(2))
    assert.deepEqual(answered, [
      ['1', '0'],
      ['0', '1'],
    ])
    assert.equal(FilesV2.get(h.state, g.cid)!.reported_replica_count, 0)
  })

  it('error: a client root is refused when it differs from the fixed one, when the file has replicas, or when it is larger than the order', async () => {
    const [f, g] = [FILES[0]!, FILES[1]!]
    const { h } = await setup([[NODE1, [f]]], { withRoots: true })
    h.startBlock()
    const order = (cid: Uint8Array, root: typeof f.root, size = root.size) =>
      h.call(signed(alice()), 'Market', 'place_storage_order_with_root', { cid, reported_file_size: size, tips: 0n, memo: new Uint8Array(), root })
    // A renewal with the same root is fine; with another root it is refused whole.
    assert.equal(order(f.cid, f.root), undefined)
    assertError(h, order(f.cid, g.root, f.root.size), 'FileRootMismatch')
    // g ordered without a root, then reported: its root now comes from its holders.
    assert.equal(
      h.call(signed(alice()), 'Market', 'place_storage_order', { cid: g.cid, reported_file_size: g.root.size, tips: 0n, memo: new Uint8Array() }),
      undefined,
    )
    openBlock(h, 62)
    newReporter(h, NODE2, { added_files: [[g.cid, g.root.size, 61n]], reported_files_size: g.root.size })
    assert.equal(FilesV2.get(h.state, g.cid)!.reported_replica_count, 1)
    assertError(h, order(g.cid, g.root), 'FileRootLocked')
    // A new file whose root claims more bytes than ordered.
    const e = FILES[4]!
    assertError(h, order(e.cid, e.root, e.root.size - 1n), 'IllegalFileRoot')
    assert.equal(FilesV2.get(h.state, e.cid), undefined, 'the refused order left nothing')
  })
})

describe('challenges: declared losses', () => {
  it('behavior: a node that declares a lost file before a challenge loses the replica, with no offence count and no stake-limit cut', async () => {
    const { h } = await setup([[NODE1, FILES.slice(0, 3)]])
    h.startBlock()
    StakeLimit.insert(h.state, NODE1, 10n ** 15n)
    const lost = FILES[1]!
    assert.equal(h.call(signed(NODE1), 'Challenges', 'declare_lost_files', { cids: [lost.cid] }), undefined)
    h.endBlock()
    const anchor = anchorOf(h, NODE1)
    assert.equal(FilesV2.get(h.state, lost.cid)!.reported_replica_count, 0)
    assert.equal(WorkReports.get(h.state, anchor)!.spower, 5000n + 1500n)
    assert.equal(StakeLimit.get(h.state, NODE1), 10n ** 15n)
    assert.equal(C.OwnerFaults.get(h.state, NODE1), undefined)
    assert.deepEqual(
      C.Faults.get(h.state, anchor).map((f) => f.kind.tag),
      ['Declared'],
    )
    assert.equal(C.Stats.get(h.state, anchor).declared, 1)
    // Only the two files left are challenged.
    toSlot(h, SLOT)
    assert.equal(openSet(h, NODE1)!.challenges.length, 2)
  })

  it('error: a challenged file cannot be declared; nor a file the node does not hold', async () => {
    const { h } = await setup([[NODE1, FILES.slice(0, 2)]])
    toSlot(h, SLOT)
    const challenged = openSet(h, NODE1)!.challenges[0]!.cid
    assertError(h, h.call(signed(NODE1), 'Challenges', 'declare_lost_files', { cids: [challenged] }), 'FileUnderChallenge')
    assertError(h, h.call(signed(NODE1), 'Challenges', 'declare_lost_files', { cids: [FILES[3]!.cid] }), 'NotReplicaHolder')
    assertError(h, h.call(signed(NODE2), 'Challenges', 'declare_lost_files', { cids: [FILES[0]!.cid] }), 'NotReplicaHolder')
  })
})
