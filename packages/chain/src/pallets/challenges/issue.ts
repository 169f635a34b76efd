/**
 * Issuing and expiring challenges (`on_initialize`). At each report slot's first block the round's
 * seed is the hash of the block before it; the sweep then visits ISSUE_NODES_PER_BLOCK identities
 * a block and gives each storage node with replicas up to k challenges (distinct files, a segment
 * each), due W blocks later. Sets whose deadline passed unanswered are expired by a bounded sweep:
 * each challenge is a `Missed` fault.
 */
import { u8aConcat } from '@polkadot/util'
import { storageProof } from '@crust-ts/protocol'
import type { BlockContext } from '../../frame/pallet.js'
import { u32 } from '../../primitives/codec/scale-type.js'
import { blake2_256 } from '../../primitives/hashing.js'
import { AnchorFileCount, anchorFileAt } from '../market/anchor-files.js'
import { FileRootCandidates, FileRoots } from '../market/file-roots.js'
import { FilesV2 } from '../market/storage.js'
import { BlockHash } from '../system.js'
import { Identities, IdentityCount, IdentityList } from '../swork/storage.js'
import { sameBytes } from '../swork/types.js'
import { EXPIRE_SETS_PER_BLOCK, EXPIRE_STEPS_PER_BLOCK, ISSUE_NODES_PER_BLOCK } from './constants.js'
import { challengesEvents } from './errors.js'
import { failReplica, type FaultContext } from './faults.js'
import { Deadlines, Enabled, ExpiryCursor, OpenChallenges, OpenCount, Round, Stats } from './storage.js'
import type { Challenge, ChallengeRound, ChallengeSet } from './types.js'

/** A number in [0, n) drawn from the round's seed for a node: blake2-256(seed ‖ anchor ‖ j ‖ purpose), its first 8 bytes LE, mod n. */
export function draw(seed: Uint8Array, anchor: Uint8Array, j: number, purpose: number, n: number): number {
  const digest = blake2_256(u8aConcat(seed, anchor, u32.codec.enc(j), Uint8Array.of(purpose)))
  return Number(new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, true) % BigInt(n))
}

const FILE = 0
const SEGMENT = 1

/** The content size a node is challenged against: the fixed root's, its own candidate's, or the file's size. */
function challengeSize(ctx: FaultContext, cid: Uint8Array, who: Uint8Array): bigint | undefined {
  const fixed = FileRoots.get(ctx.state, cid)
  if (fixed !== undefined) return fixed.size
  const own = FileRootCandidates.get(ctx.state, cid).find(([c]) => sameBytes(c, who))
  if (own !== undefined) return own[1].size
  return FilesV2.get(ctx.state, cid)?.file_size
}

/** Picks `who`'s challenges: every file when it holds at most k, else k distinct ones at random. */
export function drawChallenges(ctx: FaultContext, round: Pick<ChallengeRound, 'seed'>, who: Uint8Array, anchor: Uint8Array): Challenge[] {
  const count = AnchorFileCount.get(ctx.state, anchor)
  const k = ctx.config.challengesPerNode
  const positions: number[] = []
  if (count <= k) for (let p = 0; p < count; p++) positions.push(p)
  else
    for (let j = 0; positions.length < k && j < 4 * k; j++) {
      const p = draw(round.seed, anchor, j, FILE, count)
      if (!positions.includes(p)) positions.push(p)
    }
  const challenges: Challenge[] = []
  for (const [j, p] of positions.entries()) {
    const cid = anchorFileAt(ctx.state, anchor, p)
    const size = cid === undefined ? undefined : challengeSize(ctx, cid, who)
    if (cid === undefined || size === undefined) continue
    challenges.push({ cid, segment: draw(round.seed, anchor, j, SEGMENT, storageProof.segmentCount(Number(size))) })
  }
  return challenges
}

/** Expires `who`'s set: each challenge of a file that still exists is a missed one. */
export function expireSet(ctx: FaultContext, who: Uint8Array, set: ChallengeSet): void {
  closeSet(ctx, who, set)
  for (const { cid } of set.challenges) if (FilesV2.contains(ctx.state, cid)) failReplica(ctx, who, set.anchor, cid, 'Missed')
  ctx.deposit(challengesEvents.ChallengesMissed, { who, slot: set.slot, count: set.challenges.length })
}

/** Removes an open set and its deadline entry. */
export function closeSet(ctx: FaultContext, who: Uint8Array, set: ChallengeSet): void {
  OpenChallenges.remove(ctx.state, who)
  OpenCount.put(ctx.state, Math.max(0, OpenCount.get(ctx.state) - 1))
  dropDeadline(ctx.state, set.deadline, who)
}

function dropDeadline(state: FaultContext['state'], block: number, who: Uint8Array): void {
  const due = Deadlines.get(state, block).filter((w) => !sameBytes(w, who))
  if (due.length === 0) Deadlines.remove(state, block)
  else Deadlines.insert(state, block, due)
}

function issueFor(ctx: FaultContext, round: ChallengeRound, who: Uint8Array): void {
  const anchor = Identities.get(ctx.state, who)?.anchor
  if (anchor === undefined || AnchorFileCount.get(ctx.state, anchor) === 0) return
  const open = OpenChallenges.get(ctx.state, who)
  if (open !== undefined) {
    // A set still open (a window as long as the slot) is left to run; an overdue one is expired first.
    if (open.deadline >= ctx.blockNumber) return
    expireSet(ctx, who, open)
  }
  const challenges = drawChallenges(ctx, round, who, anchor)
  if (challenges.length === 0) return
  const deadline = ctx.blockNumber + ctx.config.challengeWindow
  OpenChallenges.insert(ctx.state, who, { anchor, slot: round.slot, issued_at: ctx.blockNumber, deadline, challenges })
  OpenCount.put(ctx.state, OpenCount.get(ctx.state) + 1)
  Deadlines.insert(ctx.state, deadline, [...Deadlines.get(ctx.state, deadline), who])
  const stats = Stats.get(ctx.state, anchor)
  Stats.insert(ctx.state, anchor, { ...stats, issued: stats.issued + challenges.length })
  ctx.deposit(challengesEvents.ChallengesIssued, { who, slot: round.slot, count: challenges.length })
}

/** The issuing sweep: starts at each slot's first block (while enabled), visits a bounded number of identities per block. */
function issue(ctx: BlockContext): void {
  const { state, blockNumber: n } = ctx
  if (n > 0 && n % ctx.config.reportSlot === 0 && Enabled.get(state)) {
    Round.put(state, { slot: BigInt(n), seed: BlockHash.get(state, n - 1), cursor: 0 })
  }
  const round = Round.get(state)
  if (round === undefined) return
  const count = IdentityCount.get(state)
  let cursor = round.cursor
  for (let visited = 0; visited < ISSUE_NODES_PER_BLOCK && cursor < count; visited++, cursor++) {
    const who = IdentityList.get(state, cursor)
    if (who !== undefined) issueFor(ctx, round, who)
  }
  if (cursor >= count) Round.kill(state)
  else Round.put(state, { ...round, cursor })
}

/** The expiry sweep: sets due before this block, at most EXPIRE_SETS_PER_BLOCK of them and EXPIRE_STEPS_PER_BLOCK blocks stepped. */
function expire(ctx: BlockContext): void {
  const { state, blockNumber: n } = ctx
  let cursor = ExpiryCursor.get(state)
  // Nothing open: nothing can be due before now (answered and expired sets leave no entries).
  if (OpenCount.get(state) === 0 && cursor < n) cursor = n
  let handled = 0
  for (let steps = 0; steps < EXPIRE_STEPS_PER_BLOCK && cursor < n && handled < EXPIRE_SETS_PER_BLOCK; steps++) {
    for (const who of Deadlines.get(state, cursor)) {
      if (handled >= EXPIRE_SETS_PER_BLOCK) break
      const set = OpenChallenges.get(state, who)
      if (set !== undefined && set.deadline === cursor) expireSet(ctx, who, set)
      else dropDeadline(state, cursor, who)
      handled++
    }
    if (Deadlines.get(state, cursor).length > 0) break
    cursor++
  }
  ExpiryCursor.put(state, cursor)
}

/** The pallet's `on_initialize`: overdue sets first, then this block's share of issuing. */
export function challengesOnInitialize(ctx: BlockContext): void {
  expire(ctx)
  issue(ctx)
}
