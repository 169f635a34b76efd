/**
 * `answer_challenges(slot, proofs)`: a storage node answers all its open challenges of a slot in one
 * extrinsic, one proof per challenge in order. Each proof is verified against the file's fixed root
 * (or, while none is fixed, the root the node itself submitted); a wrong one is an `InvalidProof`
 * fault. Free when every proof verifies, charged otherwise; refused (and charged) when there is
 * nothing to answer: no open set (a replay of an answered set, another account's challenges), another
 * slot's set, a passed deadline, or a wrong number of proofs.
 */
import { storageProof } from '@crust-ts/protocol'
import { type DispatchContext, moduleError, type PostDispatchInfo } from '../../frame/pallet.js'
import { FileRootCandidates, FileRoots } from '../market/file-roots.js'
import { replicaOfAnchor } from '../market/replicas.js'
import { FilesV2 } from '../market/storage.js'
import { sameBytes } from '../swork/types.js'
import { DB_READ, DB_WRITE } from './constants.js'
import { challengesErrors, challengesEvents } from './errors.js'
import { failReplica } from './faults.js'
import { closeSet } from './issue.js'
import { LastProof, OpenChallenges, Stats } from './storage.js'
import type { SegmentProof } from './types.js'

/** The set's reads and writes. */
export const ANSWER_BASE_WEIGHT = 100_000_000n + 4n * DB_READ + 5n * DB_WRITE
/** Per proof: ~21 SHA-256 (a 1 GiB file), the file and root reads, and a failure's removal. */
export const ANSWER_PER_PROOF_WEIGHT = 150_000_000n + 10n * DB_READ + 8n * DB_WRITE

/** Whether `proof` answers segment `segment` of `cid` against the root `who` is held to. */
function proofIsValid(state: DispatchContext['state'], who: Uint8Array, cid: Uint8Array, segment: number, proof: SegmentProof): boolean {
  const root = FileRoots.get(state, cid) ?? FileRootCandidates.get(state, cid).find(([c]) => sameBytes(c, who))?.[1]
  if (root === undefined || root.size > BigInt(Number.MAX_SAFE_INTEGER)) return false
  return storageProof.verifySegmentProof({ root: root.root, size: Number(root.size) }, segment, proof)
}

export function answerChallenges(ctx: DispatchContext, who: Uint8Array, slot: bigint, proofs: SegmentProof[]): PostDispatchInfo {
  const set = OpenChallenges.get(ctx.state, who)
  if (set === undefined) throw moduleError(challengesErrors.NoOpenChallenges)
  if (set.slot !== slot) throw moduleError(challengesErrors.WrongSlot)
  if (ctx.blockNumber > set.deadline) throw moduleError(challengesErrors.ChallengeExpired)
  if (proofs.length !== set.challenges.length) throw moduleError(challengesErrors.AnswerCountMismatch)
  closeSet(ctx, who, set)
  let passed = 0
  let failed = 0
  for (const [i, { cid, segment }] of set.challenges.entries()) {
    const file = FilesV2.get(ctx.state, cid)
    // A file closed since the challenge is no longer anyone's to keep.
    if (file === undefined) continue
    if (proofIsValid(ctx.state, who, cid, segment, proofs[i]!)) {
      passed++
      if (replicaOfAnchor(file, set.anchor) !== undefined) LastProof.insert(ctx.state, set.anchor, cid, ctx.blockNumber)
    } else {
      failed++
      failReplica(ctx, who, set.anchor, cid, 'InvalidProof')
    }
  }
  const stats = Stats.get(ctx.state, set.anchor)
  Stats.insert(ctx.state, set.anchor, { ...stats, passed: stats.passed + passed })
  ctx.deposit(challengesEvents.ChallengesAnswered, { who, slot, passed, failed })
  return failed === 0 ? { paysFee: false } : {}
}
