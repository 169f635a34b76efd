/** The Challenges pallet's SCALE types (not in Crust; their paths are `pallet_challenges`). */
import { bytes, enumeration, h256, type Infer, named, struct, u32, u64, vec } from '../../primitives/codec/scale-type.js'
import { merkleRoot, sworkerAnchor } from '../market/types.js'

const PATH = 'pallet_challenges'
export const blockNumber = named(u32, 'BlockNumber')
export const reportSlot = named(u64, 'ReportSlot')

/** One challenged replica: the file and the segment (1 KiB) asked for. */
export const challenge = struct([PATH, 'Challenge'], { cid: merkleRoot, segment: u32 })
export type Challenge = Infer<typeof challenge>

/** A storage node's open challenges of one report slot: answered in one extrinsic until `deadline` (inclusive). */
export const challengeSet = struct([PATH, 'ChallengeSet'], {
  anchor: sworkerAnchor,
  slot: reportSlot,
  issued_at: blockNumber,
  deadline: blockNumber,
  challenges: vec(challenge),
})
export type ChallengeSet = Infer<typeof challengeSet>

/** An answer to one challenge: the segment's bytes and its Merkle path (siblings, leaf to top). */
export const segmentProof = struct([PATH, 'SegmentProof'], { segment: bytes, path: vec(h256) })
export type SegmentProof = Infer<typeof segmentProof>

/** Why a replica failed. `Declared` (the node said so before a challenge) is not counted towards an offence. */
export const faultKind = enumeration([PATH, 'FaultKind'], {
  Missed: { index: 0, docs: ['The deadline passed without an answer.'] },
  InvalidProof: { index: 1, docs: ["The answer's proof did not verify against the file's root (or the file had none)."] },
  WrongRoot: { index: 2, docs: ['The node submitted a root other than the fixed one.'] },
  Declared: { index: 3, docs: ['The node declared the file lost before being challenged on it.'] },
})
export type FaultKind = Infer<typeof faultKind>['tag']

export const fault = struct([PATH, 'Fault'], { cid: merkleRoot, block: blockNumber, kind: faultKind })
export type Fault = Infer<typeof fault>

/** An sWorker's challenge counters: challenges issued, answered right, failed (missed or wrong), files declared lost. */
export const challengeStats = struct([PATH, 'ChallengeStats'], { issued: u32, passed: u32, failed: u32, declared: u32 })
export type ChallengeStats = Infer<typeof challengeStats>

/** The issuing sweep of a report slot: its seed and the next `Swork.IdentityList` index. */
export const challengeRound = struct([PATH, 'ChallengeRound'], { slot: reportSlot, seed: h256, cursor: u32 })
export type ChallengeRound = Infer<typeof challengeRound>

/** An owner's faulty report slots in an era: how many, and the last one counted. */
export const eraFaults = struct([PATH, 'EraFaults'], { era: named(u32, 'EraIndex'), slots: u32, last_slot: reportSlot })
export type EraFaults = Infer<typeof eraFaults>
