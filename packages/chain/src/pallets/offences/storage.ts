/** The offences pallet's storage (Substrate's pallet_offences: `Reports`, `ConcurrentReportsIndex`). */
import { accountId32, bytes, fixedBytes, h256, named, struct, vec } from '../../primitives/codec/scale-type.js'
import { doubleMapWithDefault, optionalMap, type StorageItem } from '../../frame/storage.js'

const PALLET = 'Offences'
export const PATH = 'pallet_offences'

export const kind = named(fixedBytes(16), 'Kind')
export const opaqueTimeSlot = named(bytes, 'OpaqueTimeSlot')
const account = named(accountId32, 'T::AccountId')

/** Substrate's `OffenceDetails { offender, reporters }` (our offender is the validator stash). */
export const offenceDetails = struct(['sp_staking', 'offence', 'OffenceDetails'], { offender: account, reporters: vec(account) })

export const Reports = optionalMap({
  pallet: PALLET,
  name: 'Reports',
  hasher: 'Twox64Concat',
  key: h256,
  value: offenceDetails,
  docs: ['The primary structure that holds all offence records keyed by report identifiers (blake2-256 of kind, time slot and offender).'],
})

export const ConcurrentReportsIndex = doubleMapWithDefault({
  pallet: PALLET,
  name: 'ConcurrentReportsIndex',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: kind,
  key2: opaqueTimeSlot,
  value: vec(h256),
  default: [] as Uint8Array[],
  docs: ['A vector of reports of the same kind that happened at the same time slot.'],
})

export const offencesStorage: StorageItem[] = [Reports, ConcurrentReportsIndex]
