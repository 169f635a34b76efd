/** The Challenges pallet's events and errors. */
import { accountId32, bool, named, u32 } from '../../primitives/codec/scale-type.js'
import { errors, event } from '../../frame/pallet.js'
import { merkleRoot } from '../market/types.js'
import { faultKind, reportSlot } from './types.js'

const account = named(accountId32, 'T::AccountId')

export const challengesEvents = {
  ChallengesIssued: event(0, { who: account, slot: reportSlot, count: u32 }, 'A storage node was challenged on `count` replicas for the report slot.'),
  ChallengesAnswered: event(1, { who: account, slot: reportSlot, passed: u32, failed: u32 }, "A storage node answered its slot's challenges."),
  ChallengesMissed: event(2, { who: account, slot: reportSlot, count: u32 }, "A storage node's challenges passed their deadline unanswered."),
  ReplicaFailed: event(3, { who: account, cid: merkleRoot, kind: faultKind }, "A replica was removed: the node's fault of the given kind."),
  FileRootSubmitted: event(4, { who: account, cid: merkleRoot }, "A replica holder's root was recorded (or matched the fixed one)."),
  FilesDeclaredLost: event(5, { who: account, count: u32 }, 'A storage node declared files lost (their replicas removed, not counted as offences).'),
  StorageOffence: event(
    6,
    { owner: account, era: named(u32, 'EraIndex'), slots: u32 },
    "An owner's nodes had faults in `slots` report slots of the era: an offence was reported.",
  ),
  SetEnabledSuccess: event(7, { enabled: bool }, 'The challenges switch was set.'),
}

export const challengesErrors = errors({
  FileNotExist: [0, 'The file does not exist.'],
  NotReplicaHolder: [1, "The caller's sWorker holds no replica of the file."],
  IllegalFileRoot: [2, 'The root names an empty content or one larger than the market accepts.'],
  RootAlreadySubmitted: [3, 'The caller already submitted a root for this file.'],
  NoOpenChallenges: [4, 'The caller has no open challenges.'],
  ChallengeExpired: [5, "The challenges' deadline has passed."],
  WrongSlot: [6, 'The open challenges are of another report slot.'],
  AnswerCountMismatch: [7, 'An answer needs exactly one proof per open challenge, in order.'],
  FileUnderChallenge: [8, 'The file is challenged already: answer the challenge instead of declaring it lost.'],
  TooManyFiles: [9, 'Too many files in one declaration.'],
})
