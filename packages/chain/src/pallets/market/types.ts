/** Market types with Crust's field names, order and types (`@crustio/type-definitions` decodes them). */
import { accountId32, bool, btreeMap, bytes, compactU128, type Infer, named, newtype, option, struct, u32, u64 } from '../../primitives/codec/scale-type.js'

export const merkleRoot = named(bytes, 'MerkleRoot')
export const sworkerAnchor = named(bytes, 'SworkerAnchor')
const blockNumber = named(u32, 'BlockNumber')
const account = named(accountId32, 'AccountId')

export const replicaType = struct(
  ['market', 'Replica'],
  { who: account, valid_at: blockNumber, anchor: sworkerAnchor, is_reported: bool, created_at: option(blockNumber, 'Option<BlockNumber>') },
  { params: (lookup) => [{ name: 'AccountId', type: lookup.idOf(accountId32) }] },
)
export type Replica = Infer<typeof replicaType>

export const fileInfoV2 = struct(
  ['market', 'FileInfoV2'],
  {
    file_size: u64,
    spower: u64,
    expired_at: blockNumber,
    calculated_at: blockNumber,
    amount: named(compactU128, 'Balance'),
    prepaid: named(compactU128, 'Balance'),
    reported_replica_count: u32,
    remaining_paid_count: u32,
    replicas: btreeMap(accountId32, replicaType, 'BTreeMap<AccountId, Replica<AccountId>>'),
  },
  {
    params: (lookup) => [
      { name: 'AccountId', type: lookup.idOf(accountId32) },
      { name: 'Balance', type: lookup.idOf(compactU128) },
    ],
  },
)
export type FileInfoV2 = Infer<typeof fileInfoV2>

/** `Perbill`: parts per billion, as a u32. */
export const perbill = newtype(['sp_arithmetic', 'per_things', 'Perbill'], u32)
