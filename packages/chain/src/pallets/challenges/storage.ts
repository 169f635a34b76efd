/** The Challenges pallet's storage (prefix `Challenges`). */
import { accountId32, bool, named, u32, vec } from '../../primitives/codec/scale-type.js'
import { mapWithDefault, optionalDoubleMap, optionalMap, optionalValue, type StorageAccess, type StorageItem, valueWithDefault } from '../../frame/storage.js'
import { merkleRoot, sworkerAnchor } from '../market/types.js'
import { blockNumber, challengeRound, challengeSet, challengeStats, eraFaults, fault } from './types.js'

const P = 'Challenges'
const account = named(accountId32, 'T::AccountId')

export const Enabled = valueWithDefault({
  pallet: P,
  name: 'Enabled',
  value: bool,
  default: false,
  docs: ['Whether challenges are issued each report slot (root switch; from the chain spec at genesis).'],
})

export const Round = optionalValue({
  pallet: P,
  name: 'Round',
  value: challengeRound,
  docs: ["The running issuing sweep: the report slot, its seed (the hash of the block before the slot's first) and the next identity."],
})

export const OpenChallenges = optionalMap({
  pallet: P,
  name: 'OpenChallenges',
  hasher: 'Blake2_128Concat',
  key: account,
  value: challengeSet,
  docs: ["A storage node's unanswered challenges, by the node's account."],
})

export const Deadlines = mapWithDefault({
  pallet: P,
  name: 'Deadlines',
  hasher: 'Twox64Concat',
  key: blockNumber,
  value: vec(account),
  default: [] as Uint8Array[],
  docs: ['The accounts whose challenges are due at the end of that block.'],
})

export const OpenCount = valueWithDefault({
  pallet: P,
  name: 'OpenCount',
  value: u32,
  default: 0,
  docs: ['How many challenge sets are open.'],
})

export const ExpiryCursor = valueWithDefault({
  pallet: P,
  name: 'ExpiryCursor',
  value: blockNumber,
  default: 0,
  docs: ['The oldest `Deadlines` block not yet swept.'],
})

export const Faults = mapWithDefault({
  pallet: P,
  name: 'Faults',
  hasher: 'Twox64Concat',
  key: sworkerAnchor,
  value: vec(fault),
  default: [],
  docs: ["An sWorker's most recent faults (missed or failed challenges, wrong roots, declared losses), oldest first."],
})

export const Stats = mapWithDefault({
  pallet: P,
  name: 'Stats',
  hasher: 'Twox64Concat',
  key: sworkerAnchor,
  value: challengeStats,
  default: { issued: 0, passed: 0, failed: 0, declared: 0 },
  docs: ["An sWorker's challenge counters since it first reported."],
})

export const OwnerFaults = optionalMap({
  pallet: P,
  name: 'OwnerFaults',
  hasher: 'Blake2_128Concat',
  key: account,
  value: eraFaults,
  docs: ['The report slots with counted faults of an owner (group owner, or the node itself) in the era they were counted in.'],
})

export const LastProof = optionalDoubleMap({
  pallet: P,
  name: 'LastProof',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: sworkerAnchor,
  key2: merkleRoot,
  value: blockNumber,
  docs: ["The block of an sWorker's last accepted proof for a file it holds a replica of."],
})

export const challengesStorage: StorageItem[] = [Enabled, Round, OpenChallenges, OpenCount, Deadlines, ExpiryCursor, Faults, Stats, OwnerFaults, LastProof]

/** Forgets what was proven of a replica that is gone (the market calls this when it untracks one). */
export function forgetReplicaProofs(state: StorageAccess, anchor: Uint8Array, cid: Uint8Array): void {
  LastProof.remove(state, anchor, cid)
}
