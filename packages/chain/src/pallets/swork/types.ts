/**
 * sWork's SCALE types with Crust's names, field orders and field types, so that
 * `@crustio/type-definitions` (`WorkReport`, `Identity`, `PKInfo`, `Group`) decodes our storage.
 */
import * as scale from 'scale-ts'
import {
  accountId32,
  bytes,
  btreeMap,
  fixedBytes,
  type Infer,
  named,
  newtype,
  option,
  type ScaleType,
  struct,
  tuple,
  u32,
  u64,
  u128,
  vec,
} from '../../primitives/codec/scale-type.js'

export const PATH = 'pallet_swork'

export const accountId = named(accountId32, 'T::AccountId')
export const blockNumber = named(u32, 'T::BlockNumber')
export const sworkerPubKey = named(bytes, 'SworkerPubKey')
export const sworkerAnchor = named(bytes, 'SworkerAnchor')
export const sworkerSignature = named(bytes, 'SworkerSignature')
export const sworkerCode = named(bytes, 'SworkerCode')
export const sworkerCert = named(bytes, 'SworkerCert')
export const iasSig = named(bytes, 'IASSig')
export const isvBody = named(bytes, 'ISVBody')
export const merkleRoot = named(bytes, 'MerkleRoot')
export const reportSlot = named(u64, 'ReportSlot')

/** An entry of `added_files` / `deleted_files`: (cid, size, c_block_num). */
export const reportedFile = tuple(merkleRoot, u64, u64)
export const reportedFiles = vec(reportedFile, 'Vec<(MerkleRoot, u64, u64)>')

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

/**
 * `BTreeSet<AccountId>`: encoded as a sorted, duplicate-free `Vec`; the metadata names it
 * `BTreeSet` so that clients decode it as a set.
 */
export const accountSet: ScaleType<Uint8Array[]> = (() => {
  const inner = vec(accountId32)
  const codec = scale.enhanceCodec(
    inner.codec,
    (members: Uint8Array[]) => sortedUnique(members),
    (members) => members,
  )
  return {
    codec,
    typeName: 'BTreeSet<T::AccountId>',
    register: (lookup) =>
      lookup.add(
        { composite: { fields: [{ name: null, type: lookup.idOf(inner), typeName: null, docs: [] }] } },
        ['BTreeSet'],
        [{ name: 'T', type: lookup.idOf(accountId32) }],
      ),
  }
})()

/** Accounts sorted by their bytes with duplicates dropped, as a `BTreeSet<AccountId32>` holds them. */
export function sortedUnique(members: readonly Uint8Array[]): Uint8Array[] {
  const sorted = [...members].sort(compareBytes)
  return sorted.filter((m, i) => i === 0 || compareBytes(m, sorted[i - 1]!) !== 0)
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}

export const workReport = struct([PATH, 'WorkReport'], {
  report_slot: u64,
  spower: u64,
  free: u64,
  reported_files_size: u64,
  reported_srd_root: merkleRoot,
  reported_files_root: merkleRoot,
})
export type WorkReport = Infer<typeof workReport>

export const pkInfo = struct([PATH, 'PKInfo'], { code: sworkerCode, anchor: option(sworkerAnchor, 'Option<SworkerAnchor>') })
export type PKInfo = Infer<typeof pkInfo>

export const identity = struct(
  [PATH, 'Identity'],
  { anchor: sworkerAnchor, punishment_deadline: u64, group: option(accountId, 'Option<AccountId>') },
  { params: (lookup) => [{ name: 'AccountId', type: lookup.idOf(accountId32) }] },
)
export type Identity = Infer<typeof identity>

export const group = struct(
  [PATH, 'Group'],
  { members: accountSet, allowlist: accountSet },
  { params: (lookup) => [{ name: 'AccountId', type: lookup.idOf(accountId32) }] },
)
export type Group = Infer<typeof group>

/** `(BTreeMap<AccountId, u128>, total_free, total_spower, total_reported_files_size)`: the aggregation in progress. */
export const workloadAccumulator = tuple(btreeMap(accountId, u128), u128, u128, u128)
export type WorkloadAccumulator = Infer<typeof workloadAccumulator>

/** `(BTreeMap<AccountId, u128>, total_workload)`: a finished aggregation, as Crust hands it to staking. */
export const workloadHandOff = tuple(btreeMap(accountId, u128), u128)

/** An sr25519 public key (`sp_core::sr25519::Public`). */
export const sr25519Public = newtype(['sp_core', 'sr25519', 'Public'], fixedBytes(32), { typeName: 'sr25519::Public' })

/** A storage node's libp2p peer id and binary multiaddrs, and the block that last set them (`Swork.PeerRecords`). */
export const peerRecord = struct([PATH, 'PeerRecord'], {
  peer_id: bytes,
  addrs: vec(bytes, 'Vec<Vec<u8>>'),
  updated_at: blockNumber,
})
export type PeerRecord = Infer<typeof peerRecord>
