/**
 * sWork's storage items (prefix `Swork`), with Crust's names, hashers and value types, plus the few
 * items our runtime needs in place of Crust's key iteration and Intel attestation.
 */
import { bool, btreeMap, bytes, named, u32, u128, vec } from '../../primitives/codec/scale-type.js'
import { doubleMapWithDefault, mapWithDefault, optionalMap, optionalValue, type StorageItem, valueWithDefault } from '../../frame/storage.js'
import {
  accountId,
  blockNumber,
  group,
  identity,
  peerRecord,
  pkInfo,
  reportSlot,
  sr25519Public,
  sworkerAnchor,
  sworkerCode,
  sworkerPubKey,
  workloadAccumulator,
  workloadHandOff,
  workReport,
} from './types.js'

const PALLET = 'Swork'

export const Codes = optionalMap({
  pallet: PALLET,
  name: 'Codes',
  hasher: 'Twox64Concat',
  key: sworkerCode,
  value: blockNumber,
  docs: ['The sWorker enclave codes, this should be managed by sudo/democracy'],
})

export const Identities = optionalMap({
  pallet: PALLET,
  name: 'Identities',
  hasher: 'Blake2_128Concat',
  key: accountId,
  value: identity,
  docs: ['The identity information for each sworker member, which contains the anchor, punishment deadline and group information.'],
})

/**
 * Our runtime has no storage-key iteration, so identities are also kept in a list the workload
 * aggregation walks: `IdentityCount` entries in `IdentityList` (index → account), appended when an
 * identity is created (identities are never removed).
 */
export const IdentityCount = valueWithDefault({
  pallet: PALLET,
  name: 'IdentityCount',
  value: u32,
  default: 0,
  docs: ['Number of identities in `IdentityList`.'],
})

export const IdentityList = optionalMap({
  pallet: PALLET,
  name: 'IdentityList',
  hasher: 'Twox64Concat',
  key: u32,
  value: accountId,
  docs: ['Every account with an identity, by creation order: what the workload aggregation iterates.'],
})

/** Crust's `IdentityPreviousKey`: where the running aggregation continues (an index into `IdentityList`). */
export const IdentityCursor = optionalValue({
  pallet: PALLET,
  name: 'IdentityCursor',
  value: u32,
  docs: ['The next `IdentityList` index the running workload aggregation visits; none when no aggregation runs.'],
})

export const Workload = optionalValue({
  pallet: PALLET,
  name: 'Workload',
  value: workloadAccumulator,
  docs: [
    'The workload information: (per-owner workload, total free, total spower, total reported files size) of the running aggregation.',
    'Not as Crust: while the aggregation runs the per-owner map stays empty and the per-owner sums are in `WorkloadPages`.',
  ],
})

/**
 * Not in Crust: the running aggregation's per-owner workload, one value per block of it holding the
 * owners of the identities that block visited (at most 500), so a block writes what it visited: a
 * single `Workload` value holding every owner was decoded, sorted and re-encoded whole in each block
 * of the aggregation (O(owners) per block). The hand-off at the end merges the pages and removes them.
 */
export const WorkloadPages = optionalMap({
  pallet: PALLET,
  name: 'WorkloadPages',
  hasher: 'Twox64Concat',
  key: u32,
  value: btreeMap(accountId, u128),
  docs: ['Not in Crust: per block of the running aggregation, the workload (Σ spower + free) it counted for each owner.'],
})

export const WorkloadPageCount = valueWithDefault({
  pallet: PALLET,
  name: 'WorkloadPageCount',
  value: u32,
  default: 0,
  docs: ['Not in Crust: the number of `WorkloadPages` of the running aggregation.'],
})

export const PendingWorkload = optionalValue({
  pallet: PALLET,
  name: 'PendingWorkload',
  value: workloadHandOff,
  docs: [
    'The last finished aggregation (per-owner workload, total workload), waiting for the staking pallet to take it',
    '(Crust calls `Works::report_works` with these two values).',
  ],
})

export const PubKeys = mapWithDefault({
  pallet: PALLET,
  name: 'PubKeys',
  hasher: 'Twox64Concat',
  key: sworkerPubKey,
  value: pkInfo,
  default: { code: new Uint8Array(0), anchor: undefined },
  docs: ['The pub key information, mapping from sWorker public key to an pubkey information, including the sworker enclave code and option anchor.'],
})

/**
 * Not in Crust: which account registered each enclave key. `register` and
 * `register_with_deauth_chain` bind a key to the registering account on first registration; a key
 * bound to one account cannot be registered by another, and `report_works` accepts a report
 * signed by the key only from this account (first report included), so a report seen in the pool
 * cannot be replayed from another account. A key retired by an A/B upgrade keeps its entry (it
 * stays its owner's, so nobody else can register it again and take over its anchor).
 */
export const PubKeyOwner = optionalMap({
  pallet: PALLET,
  name: 'PubKeyOwner',
  hasher: 'Twox64Concat',
  key: sworkerPubKey,
  value: accountId,
  docs: [
    'Not in Crust: the account an sWorker public key is bound to (the account that registered it). Only that account may',
    'register the key again or report works signed by it.',
  ],
})

export const Groups = mapWithDefault({
  pallet: PALLET,
  name: 'Groups',
  hasher: 'Blake2_128Concat',
  key: accountId,
  value: group,
  default: { members: [], allowlist: [] },
  docs: ['The group information'],
})

export const WorkReports = optionalMap({
  pallet: PALLET,
  name: 'WorkReports',
  hasher: 'Twox64Concat',
  key: sworkerAnchor,
  value: workReport,
  docs: ["Node's work report, mapping from sWorker anchor to an optional work report."],
})

export const CurrentReportSlot = valueWithDefault({
  pallet: PALLET,
  name: 'CurrentReportSlot',
  value: reportSlot,
  default: 0n,
  docs: ['The current report slot block number, this value should be a multiple of report slot block.'],
})

export const ReportedInSlot = doubleMapWithDefault({
  pallet: PALLET,
  name: 'ReportedInSlot',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: sworkerAnchor,
  key2: reportSlot,
  value: bool,
  default: false,
  docs: ['Recording whether the validator reported works of each report slot.'],
})

export const Spower = valueWithDefault({
  pallet: PALLET,
  name: 'Spower',
  value: u128,
  default: 0n,
  docs: ['The spower workload, used for calculating stake limit in the end of each report slot.'],
})

export const ReportedFilesSize = valueWithDefault({
  pallet: PALLET,
  name: 'ReportedFilesSize',
  value: u128,
  default: 0n,
  docs: ['The total reported files workload, used for calculating total_capacity for market module'],
})

export const Free = valueWithDefault({
  pallet: PALLET,
  name: 'Free',
  value: u128,
  default: 0n,
  docs: ['The free workload, used for calculating stake limit in the end of each report slot.'],
})

export const EnablePunishment = valueWithDefault({
  pallet: PALLET,
  name: 'EnablePunishment',
  value: bool,
  default: true,
  docs: ['Enable punishment, the default behavior will have punishment.'],
})

export const AddedFilesCount = valueWithDefault({
  pallet: PALLET,
  name: 'AddedFilesCount',
  value: u32,
  default: 0,
  docs: ['Added files count in the past one period(one hour)'],
})

export const AllowedTeePublicKeys = valueWithDefault({
  pallet: PALLET,
  name: 'AllowedTeePublicKeys',
  value: vec(sr25519Public),
  default: [],
  docs: ["Allowed decentrailized tee chain's pubkeys"],
})

export const AttestationAuthority = optionalValue({
  pallet: PALLET,
  name: 'AttestationAuthority',
  value: bytes,
  docs: ["The attestation authority's P-256 public key (65 bytes, uncompressed), standing in for Intel's attestation service."],
})

export const LastProcessedBlockWorkReports = valueWithDefault({
  pallet: PALLET,
  name: 'LastProcessedBlockWorkReports',
  value: named(u32, 'BlockNumber'),
  default: 0,
  docs: ['The last block whose work reports the spower superior processed (set by market `update_replicas`).'],
})

/** Every item, in declaration (metadata) order. */
export const PeerRecords = optionalMap({
  pallet: PALLET,
  name: 'PeerRecords',
  hasher: 'Blake2_128Concat',
  key: accountId,
  value: peerRecord,
  docs: ["Each storage node's libp2p peer id and addresses (binary multiaddrs), signed by its peer key: where to fetch the files it holds."],
})

export const sworkStorage: StorageItem[] = [
  Codes,
  Identities,
  IdentityCursor,
  Workload,
  PubKeys,
  Groups,
  WorkReports,
  CurrentReportSlot,
  ReportedInSlot,
  Spower,
  ReportedFilesSize,
  Free,
  EnablePunishment,
  AddedFilesCount,
  AllowedTeePublicKeys,
  IdentityCount,
  IdentityList,
  PendingWorkload,
  AttestationAuthority,
  PubKeyOwner,
  PeerRecords,
  LastProcessedBlockWorkReports,
  WorkloadPages,
  WorkloadPageCount,
]
