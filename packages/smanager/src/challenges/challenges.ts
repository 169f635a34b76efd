/**
 * Storage challenges, the node's side (see the chain README, "Storage challenges"): each block it
 * reads its open challenges (`Challenges.OpenChallenges(account)`, one read), asks its sWorker for a
 * proof of each challenged segment and answers the slot in one `challenges.answer_challenges`
 * before the deadline. Every few blocks it also submits its content root of files it holds that were
 * ordered without one (`submit_file_root`, once per file) and declares files its sWorker lost
 * (`declare_lost_files`) before they are challenged, while the chain issues challenges. One chain call at a time (they share the
 * account's nonce with settlements and work reports; the sdk resubmits on nonce clashes).
 */
import { errorText } from '../errors.js'
import type { ChallengeChain, ChallengeTxOutcome, OpenChallengeSet, SegmentProofAnswer } from '../chain/index.js'
import type { ManagerContext } from '../manager/index.js'
import { Reason } from '../reasons.js'
import type { SworkerProofClient } from '../sworker/index.js'
import { EMPTY_PROOF, MAX_DECLARED_FILES, MAX_ROOTS_PER_ROUND } from './constants.js'

/** What the node did about challenges since it started (the task API's `GET /api/v0/challenges`). */
export interface ChallengeStats {
  /** Challenges seen (each slot's set counted once). */
  received: number
  /** Challenges answered in an included `answer_challenges`. */
  answered: number
  /** Of those, the chain verified / refused (its `ChallengesAnswered` event). */
  passed: number
  failed: number
  /** Challenges the sWorker could not prove (answered with an empty proof, so the others still count). */
  unprovable: number
  /** Challenges whose deadline passed unanswered. */
  missed: number
  /** Content roots submitted, and files declared lost. */
  rootsSubmitted: number
  declared: number
  /** The last slot answered, the block its answer landed in and how long from seeing the set to inclusion. */
  lastSlot?: string
  lastAnswerBlock?: number
  lastAnswerMs?: number
  lastError?: string
}

/** Statuses in which the node's sWorker holds the file sealed. */
const SEALED = new Set(['sealed', 'expired'])

export class Challenges {
  private readonly counters: ChallengeStats = {
    received: 0,
    answered: 0,
    passed: 0,
    failed: 0,
    unprovable: 0,
    missed: 0,
    rootsSubmitted: 0,
    declared: 0,
  }
  /** The slot of the set being answered or answered, and of sets counted as received / missed. */
  private answeredSlot: bigint | undefined
  private seenSlot: bigint | undefined
  private missedSlot: bigint | undefined
  private running: Promise<void> | undefined
  private lastHousekeeping = -Infinity

  constructor(
    private readonly ctx: ManagerContext,
    private readonly chain: ChallengeChain,
    private readonly sworker: SworkerProofClient,
  ) {}

  /** A copy of the counters. */
  stats(): ChallengeStats {
    return { ...this.counters }
  }

  /** Starts this block's work unless the previous block's is still running (its next block will catch up). */
  onBlock(head: number): void {
    if (this.ctx.stopped() || this.running !== undefined) return
    this.running = this.round(head)
      .catch((err: unknown) => {
        this.counters.lastError = errorText(err)
        this.ctx.log.warn({ err: errorText(err), block: head }, 'challenges: round failed; retried on the next block')
      })
      .finally(() => {
        this.running = undefined
      })
  }

  /** The end of the round running now. */
  async idle(): Promise<void> {
    await this.running
  }

  private async round(head: number): Promise<void> {
    const set = await this.chain.openChallenges()
    if (set !== undefined) await this.answer(set, head)
    if (head - this.lastHousekeeping >= this.ctx.config.refreshEveryBlocks) {
      this.lastHousekeeping = head
      // Roots and declarations cost transactions: only while the chain challenges (open sets are answered regardless).
      if (!(await this.chain.enabled())) return
      await this.declareLost(set)
      await this.submitRoots()
    }
  }

  private async answer(set: OpenChallengeSet, head: number): Promise<void> {
    const { log } = this.ctx
    if (this.seenSlot !== set.slot) {
      this.seenSlot = set.slot
      this.counters.received += set.challenges.length
      log.info({ slot: set.slot.toString(), challenges: set.challenges.length, deadline: set.deadline }, 'challenges: received')
    }
    if (this.answeredSlot === set.slot) return
    if (head > set.deadline) {
      // Still open past its deadline: the chain expires it at the next block as missed.
      if (this.missedSlot !== set.slot) {
        this.missedSlot = set.slot
        this.counters.missed += set.challenges.length
        log.warn({ slot: set.slot.toString(), challenges: set.challenges.length, deadline: set.deadline }, 'challenges: missed the deadline')
      }
      return
    }
    const started = this.ctx.now()
    const proofs: SegmentProofAnswer[] = []
    let unprovable = 0
    for (const { cid, segment } of set.challenges) {
      try {
        proofs.push(await this.sworker.proof(cid, segment))
      } catch (err) {
        // Answer the others anyway: an empty proof fails this one (InvalidProof) instead of all of them (Missed).
        unprovable++
        proofs.push(EMPTY_PROOF)
        log.warn({ cid, segment, err: errorText(err) }, 'challenges: the sWorker cannot prove a challenged file: it fails')
      }
    }
    const outcome = await this.chain.answerChallenges(set.slot, proofs)
    // Whatever the chain said, this slot's set is settled (a refusal such as ChallengeExpired does not improve when sent again).
    this.answeredSlot = set.slot
    this.counters.unprovable += unprovable
    if (!outcome.ok) {
      this.counters.lastError = outcome.error
      log.warn({ slot: set.slot.toString(), error: outcome.error }, 'challenges: answer refused')
      return
    }
    const answered = outcome.events.find((e) => e.method === 'ChallengesAnswered')?.data
    const passed = Number(answered?.passed ?? 0)
    const failed = Number(answered?.failed ?? 0)
    this.counters.answered += set.challenges.length
    this.counters.passed += passed
    this.counters.failed += failed
    this.counters.lastSlot = set.slot.toString()
    this.counters.lastAnswerBlock = this.ctx.latestHead()
    this.counters.lastAnswerMs = this.ctx.now() - started
    const entry = { slot: set.slot.toString(), passed, failed, unprovable, ms: this.counters.lastAnswerMs }
    if (failed > 0) log.warn(entry, 'challenges: answered, some failed')
    else log.info(entry, 'challenges: answered, all passed')
  }

  /** Declares the files the sWorker lost that this node still holds on chain and is not challenged on. */
  private async declareLost(open: OpenChallengeSet | undefined): Promise<void> {
    const { store, chain, log, account } = this.ctx
    const challenged = new Set(open?.challenges.map((c) => c.cid) ?? [])
    const lost = (await this.sworker.lostFiles()).filter((cid) => !challenged.has(cid) && store.get(cid)?.declaredLost !== true)
    if (lost.length === 0) return
    const held: string[] = []
    for (const [i, file] of (await chain.files(lost)).entries()) if (file?.holders.includes(account) === true) held.push(lost[i]!)
    if (held.length === 0) return
    const batch = held.slice(0, MAX_DECLARED_FILES)
    const outcome = await this.chain.declareLostFiles(batch)
    if (!outcome.ok) {
      log.warn({ files: batch.length, error: outcome.error }, 'challenges: declaring lost files refused')
      return
    }
    this.counters.declared += batch.length
    for (const cid of batch) if (store.get(cid) !== undefined) await store.note(cid, Reason.declaredLost, { declaredLost: true }, this.ctx.latestHead())
    log.warn({ files: batch }, 'challenges: declared lost files')
  }

  /** Submits this node's root of held files without a fixed root (after its first report: it is a holder on chain). */
  private async submitRoots(): Promise<void> {
    const { store, chain, log, account } = this.ctx
    const due = store
      .all()
      .filter((t) => SEALED.has(t.status) && t.rootSettled !== true)
      .slice(0, MAX_ROOTS_PER_ROUND)
    if (due.length === 0) return
    const files = await chain.files(due.map((t) => t.cid))
    for (const [i, task] of due.entries()) {
      if (this.ctx.stopped()) return
      const cid = task.cid
      if (files[i]?.holders.includes(account) !== true) continue
      if ((await this.chain.fileRoot(cid)) !== undefined) {
        await store.note(cid, Reason.rootFixed, { rootSettled: true }, this.ctx.latestHead())
        continue
      }
      const info = await this.sworker.fileInfo(cid)
      if (info?.type !== 'valid' || info.content_root === undefined || info.size === undefined) continue
      const outcome: ChallengeTxOutcome = await this.chain.submitFileRoot(cid, { root: info.content_root, size: info.size })
      await store.note(cid, outcome.ok ? Reason.rootSubmitted : Reason.rootRefused, { rootSettled: true }, this.ctx.latestHead())
      if (outcome.ok) {
        this.counters.rootsSubmitted++
        log.info({ cid, root: info.content_root }, 'challenges: content root submitted')
      } else log.warn({ cid, error: outcome.error }, 'challenges: content root refused')
    }
  }
}
