/** The sManager's storage-challenge side over fakes at its chain and sWorker seams (real task store). */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { silentLogger } from '@crust-ts/base'
import type { ChallengeChain, ChallengeTxOutcome, ContentRootValue, OpenChallengeSet, SegmentProofAnswer } from '../src/chain/index.js'
import { Challenges, EMPTY_PROOF } from '../src/challenges/index.js'
import { SmanagerError, SmanagerErrorCode } from '../src/errors.js'
import type { ManagerContext } from '../src/manager/index.js'
import { resolveConfig } from '../src/options.js'
import { TaskStore } from '../src/store/index.js'
import type { SworkerFileInfo, SworkerProofClient, SworkerSegmentProof } from '../src/sworker/index.js'
import { FakeChain, ME } from './fixtures/fakes.js'

class FakeChallengeChain implements ChallengeChain {
  open: OpenChallengeSet | undefined
  readonly roots = new Map<string, ContentRootValue>()
  readonly answers: Array<{ slot: bigint; proofs: SegmentProofAnswer[] }> = []
  readonly submitted: Array<{ cid: string; root: ContentRootValue }> = []
  readonly declared: string[][] = []
  /** The chain's verdict per answer: proofs equal to `valid` pass. */
  readonly valid = new Set<string>()

  on = true
  async enabled() {
    return this.on
  }
  async openChallenges() {
    return this.open
  }
  async answerChallenges(slot: bigint, proofs: SegmentProofAnswer[]): Promise<ChallengeTxOutcome> {
    this.answers.push({ slot, proofs })
    const passed = proofs.filter((p) => this.valid.has(p.segment)).length
    this.open = undefined
    return {
      ok: true,
      events: [{ method: 'ChallengesAnswered', data: { who: ME, slot: String(slot), passed: String(passed), failed: String(proofs.length - passed) } }],
    }
  }
  async fileRoot(cid: string) {
    return this.roots.get(cid)
  }
  async submitFileRoot(cid: string, root: ContentRootValue): Promise<ChallengeTxOutcome> {
    this.submitted.push({ cid, root })
    return { ok: true, events: [] }
  }
  async declareLostFiles(cids: string[]): Promise<ChallengeTxOutcome> {
    this.declared.push(cids)
    return { ok: true, events: [] }
  }
}

class FakeProofSworker implements SworkerProofClient {
  readonly files = new Map<string, SworkerFileInfo>()
  readonly lost: string[] = []
  readonly asked: Array<[string, number]> = []
  async fileInfo(cid: string) {
    return this.files.get(cid)
  }
  async proof(cid: string, segment: number): Promise<SworkerSegmentProof> {
    this.asked.push([cid, segment])
    if (this.files.get(cid)?.type !== 'valid')
      throw new SmanagerError(SmanagerErrorCode.PROOF_FAILED, 'not here', { cid, code: 'SWORKER_API_ERROR_SEALED_DATA_BAD' })
    return { segment: `0x${cid}-${segment}`, path: ['0x01'] }
  }
  async lostFiles() {
    return [...this.lost]
  }
}

describe('challenges (sManager side)', () => {
  let dir: string
  let store: TaskStore
  let chain: FakeChain
  let cc: FakeChallengeChain
  let sworker: FakeProofSworker
  let challenges: Challenges
  let head = 100

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smanager-challenges-'))
    store = TaskStore.open({ path: join(dir, 'tasks'), historyLimit: 50 })
    chain = new FakeChain()
    cc = new FakeChallengeChain()
    sworker = new FakeProofSworker()
    head = 100
    const ctx: ManagerContext = {
      store,
      chain,
      ipfs: undefined as never,
      sworker: undefined as never,
      config: resolveConfig({ refreshEveryBlocks: 1 }),
      log: silentLogger.forComponent('test'),
      account: ME,
      role: 'isolation',
      random: () => 0.5,
      now: Date.now,
      latestHead: () => head,
      stopped: () => false,
      signal: new AbortController().signal,
    }
    challenges = new Challenges(ctx, cc, sworker)
  })
  afterEach(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const block = async (n = head + 1) => {
    head = n
    challenges.onBlock(n)
    await challenges.idle()
  }
  const sealedTask = async (cid: string) => {
    await store.create({ cid, size: 1000, expiredAt: 500, replicas: 1, source: 'chainEvent' }, 'orderPlaced')
    await store.transition(cid, 'sealed', 'sealed')
    sworker.files.set(cid, { type: 'valid', size: 1100, content_root: `0x${'ab'.repeat(32)}` })
  }

  it('behavior: answers the slot once, proofs in challenge order, and counts what the chain passed', async () => {
    for (const cid of ['QmA', 'QmB']) sworker.files.set(cid, { type: 'valid', size: 5000 })
    cc.valid.add('0xQmB-7').add('0xQmA-3')
    cc.open = {
      slot: 1200n,
      issuedAt: 100,
      deadline: 120,
      challenges: [
        { cid: 'QmB', segment: 7 },
        { cid: 'QmA', segment: 3 },
      ],
    }
    const keep = cc.open
    await block()
    assert.equal(cc.answers.length, 1)
    assert.equal(cc.answers[0]!.slot, 1200n)
    assert.deepEqual(
      cc.answers[0]!.proofs.map((p) => p.segment),
      ['0xQmB-7', '0xQmA-3'],
    )
    cc.open = keep // a stale read of the same set must not send it twice
    await block()
    assert.equal(cc.answers.length, 1)
    const stats = challenges.stats()
    assert.equal(stats.received, 2)
    assert.equal(stats.answered, 2)
    assert.equal(stats.passed, 2)
    assert.equal(stats.failed, 0)
    assert.equal(stats.lastSlot, '1200')
  })

  it('behavior: a file the sWorker cannot prove gets the empty proof; the others are still answered', async () => {
    sworker.files.set('QmA', { type: 'valid', size: 5000 })
    cc.valid.add('0xQmA-1')
    cc.open = {
      slot: 1800n,
      issuedAt: 100,
      deadline: 120,
      challenges: [
        { cid: 'QmGone', segment: 4 },
        { cid: 'QmA', segment: 1 },
      ],
    }
    await block()
    assert.deepEqual(cc.answers[0]!.proofs, [EMPTY_PROOF, { segment: '0xQmA-1', path: ['0x01'] }])
    const stats = challenges.stats()
    assert.equal(stats.unprovable, 1)
    assert.equal(stats.passed, 1)
    assert.equal(stats.failed, 1)
  })

  it('behavior: a set seen only after its deadline is counted missed and not answered', async () => {
    cc.open = { slot: 600n, issuedAt: 80, deadline: 100, challenges: [{ cid: 'QmA', segment: 0 }] }
    await block(101)
    await block(102)
    assert.equal(cc.answers.length, 0)
    assert.equal(challenges.stats().missed, 1)
  })

  it('behavior: a held file without a fixed root gets the sWorker root once, while challenges are on; fixed roots and unreported files get none', async () => {
    await sealedTask('QmNoRoot')
    await sealedTask('QmFixed')
    await sealedTask('QmNotYet')
    chain.addFile('QmNoRoot', { holders: [ME] })
    chain.addFile('QmFixed', { holders: [ME] })
    chain.addFile('QmNotYet', { holders: ['5Other'] })
    cc.roots.set('QmFixed', { root: `0x${'cd'.repeat(32)}`, size: 1100 })
    cc.on = false
    await block()
    assert.equal(cc.submitted.length, 0, 'nothing while the chain does not challenge')
    cc.on = true
    await block()
    assert.deepEqual(cc.submitted, [{ cid: 'QmNoRoot', root: { root: `0x${'ab'.repeat(32)}`, size: 1100 } }])
    assert.equal(store.get('QmNoRoot')!.history.at(-1)!.reason, 'rootSubmitted')
    assert.equal(store.get('QmFixed')!.history.at(-1)!.reason, 'rootFixed')
    await block()
    assert.equal(cc.submitted.length, 1, 'once')
    chain.addFile('QmNotYet', { holders: ['5Other', ME] })
    await block()
    assert.deepEqual(
      cc.submitted.map((s) => s.cid),
      ['QmNoRoot', 'QmNotYet'],
      'after its first report',
    )
    assert.equal(challenges.stats().rootsSubmitted, 2)
  })

  it('behavior: lost files still held and not challenged are declared once; a challenged one is left to its challenge', async () => {
    await sealedTask('QmLost')
    for (const cid of ['QmLost', 'QmChallenged', 'QmNotMine']) sworker.lost.push(cid)
    chain.addFile('QmLost', { holders: [ME] })
    chain.addFile('QmChallenged', { holders: [ME] })
    chain.addFile('QmNotMine', { holders: ['5Other'] })
    cc.open = { slot: 60n, issuedAt: 100, deadline: 90, challenges: [{ cid: 'QmChallenged', segment: 0 }] }
    await block()
    assert.deepEqual(cc.declared, [['QmLost']])
    assert.equal(store.get('QmLost')!.declaredLost, true)
    await block()
    assert.equal(cc.declared.length, 1, 'once')
    assert.equal(challenges.stats().declared, 1)
  })
})
