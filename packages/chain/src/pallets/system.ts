/** `frame_system`: accounts and nonces, events, block numbers and hashes. */
import { accountId32, bytes, h256, type Infer, named, newtype, option, struct, u16, u32, u128, type ScaleType } from '../primitives/codec/scale-type.js'
import { blake2_256 } from '../primitives/hashing.js'
import { call, constant, definePallet, ensureSigned, errors, event, type Pallet } from '../frame/pallet.js'
import { mapWithDefault, RawStorageValue, type StorageAccess, valueWithDefault } from '../frame/storage.js'
import { dispatchErrorType, dispatchInfo, perDispatchClass, perDispatchClassWeight, weight } from '../primitives/substrate-types.js'
import { blockWeightLimits, type ConsumedWeight } from '../frame/weights.js'

const PALLET = 'System'

const balance = named(u128, 'Balance')

export const accountData = struct(
  ['pallet_balances', 'types', 'AccountData'],
  { free: balance, reserved: balance, frozen: balance, flags: newtype(['pallet_balances', 'types', 'ExtraFlags'], u128) },
  { params: (lookup) => [{ name: 'Balance', type: lookup.idOf(u128) }] },
)

export const accountInfo = struct(
  ['frame_system', 'AccountInfo'],
  {
    nonce: named(u32, 'Nonce'),
    consumers: named(u32, 'RefCount'),
    providers: named(u32, 'RefCount'),
    sufficients: named(u32, 'RefCount'),
    data: accountData,
  },
  {
    params: (lookup) => [
      { name: 'Nonce', type: lookup.idOf(u32) },
      { name: 'AccountData', type: lookup.idOf(accountData) },
    ],
  },
)
export type AccountInfo = Infer<typeof accountInfo>

export const emptyAccount = (): AccountInfo => ({
  nonce: 0,
  consumers: 0,
  providers: 0,
  sufficients: 0,
  data: { free: 0n, reserved: 0n, frozen: 0n, flags: 0n },
})

export const Account = mapWithDefault({
  pallet: PALLET,
  name: 'Account',
  hasher: 'Blake2_128Concat',
  key: accountId32,
  value: accountInfo,
  default: emptyAccount(),
  docs: ['The full account information for a particular account ID.'],
})
export const BlockHash = mapWithDefault({
  pallet: PALLET,
  name: 'BlockHash',
  hasher: 'Twox64Concat',
  key: u32,
  value: h256,
  default: new Uint8Array(32),
  docs: ['Map of block numbers to block hashes.'],
})
export const CurrentNumber = valueWithDefault({ pallet: PALLET, name: 'Number', value: u32, default: 0, docs: ['The current block number being processed.'] })
export const ParentHash = valueWithDefault({
  pallet: PALLET,
  name: 'ParentHash',
  value: h256,
  default: new Uint8Array(32),
  docs: ['Hash of the previous block.'],
})
export const EventCount = valueWithDefault({
  pallet: PALLET,
  name: 'EventCount',
  value: u32,
  default: 0,
  docs: ['The number of events in the `Events<T>` list.'],
})

const ZERO_WEIGHT = { ref_time: 0n, proof_size: 0n }
/**
 * `System.BlockWeight`: the weight of the block so far, per dispatch class (Mandatory: the base block
 * weight, the block hooks and the inherents). Rewritten at each block's initialize; what a block's
 * state holds is that block's total, which polkadot-js shows as the block's fullness.
 */
export const BlockWeight = valueWithDefault({
  pallet: PALLET,
  name: 'BlockWeight',
  value: perDispatchClassWeight,
  default: { normal: ZERO_WEIGHT, operational: ZERO_WEIGHT, mandatory: ZERO_WEIGHT },
  docs: ['The current weight for the block.'],
})

/** Writes `consumed` (ref-time) to `System.BlockWeight`. */
export function putBlockWeight(state: StorageAccess, consumed: ConsumedWeight): void {
  BlockWeight.put(state, {
    normal: { ref_time: consumed.normal, proof_size: 0n },
    operational: { ref_time: consumed.operational, proof_size: 0n },
    mandatory: { ref_time: consumed.mandatory, proof_size: 0n },
  })
}

const weightsPerClass = struct(['frame_system', 'limits', 'WeightsPerClass'], {
  base_extrinsic: weight,
  max_extrinsic: option(weight),
  max_total: option(weight),
  reserved: option(weight),
})
/** `frame_system::limits::BlockWeights` (the System.BlockWeights constant polkadot-js reads the block's maximum from). */
const blockWeights = struct(['frame_system', 'limits', 'BlockWeights'], { base_block: weight, max_block: weight, per_class: perDispatchClass(weightsPerClass) })
/** `frame_system::limits::BlockLength`: the longest block, per class. */
const blockLength = struct(['frame_system', 'limits', 'BlockLength'], { max: perDispatchClass(u32) })

export const events = {
  ExtrinsicSuccess: event(0, { dispatch_info: dispatchInfo }, 'An extrinsic completed successfully.'),
  ExtrinsicFailed: event(1, { dispatch_error: dispatchErrorType, dispatch_info: dispatchInfo }, 'An extrinsic failed.'),
  CodeUpdated: event(2, {}, '`:code` was updated.'),
  NewAccount: event(3, { account: accountId32 }, 'A new account was created.'),
  KilledAccount: event(4, { account: accountId32 }, 'An account was reaped.'),
  Remarked: event(5, { sender: accountId32, hash: h256 }, 'On on-chain remark happened.'),
}

export const systemErrors = errors({
  InvalidSpecName: [0, 'The name of specification does not match between the current runtime and the new runtime.'],
  SpecVersionNeedsToIncrease: [1, 'The specification version is not allowed to decrease between the current runtime and the new runtime.'],
  FailedToExtractRuntimeVersion: [2, 'Failed to extract the runtime version from the new runtime.'],
  NonDefaultComposite: [3, 'Suicide called when the account has non-default composite data.'],
  NonZeroRefCount: [4, 'There is a non-zero reference count preventing the account from being purged.'],
  CallFiltered: [5, 'The origin filter prevent the call to be dispatched.'],
})

/** The outer (runtime-wide) types that `System.Events` refers to. */
export interface SystemOuterTypes {
  eventRecords: ScaleType<unknown>
}

/** `System.Events`: the block executor writes its records as raw bytes. */
export const Events = (outer: () => SystemOuterTypes) =>
  new RawStorageValue(PALLET, 'Events', { register: (lookup) => lookup.idOf(outer().eventRecords) }, '0x00', ['Events deposited for the current block.'])

/** The raw key of `System.Events`. */
export const EVENTS_KEY = Events(() => {
  throw new Error('unused')
}).key()

export function systemPallet(index: number, outer: () => SystemOuterTypes): Pallet {
  const eventsStorage = Events(outer)
  return definePallet({
    name: PALLET,
    index,
    path: 'frame_system',
    storage: [Account, BlockWeight, EventCount, BlockHash, CurrentNumber, ParentHash, eventsStorage],
    calls: {
      remark: call({
        index: 0,
        args: { remark: bytes },
        // Crust's remark(_b) = 1_815_000 whatever its length (runtime/src/weights/frame_system.rs).
        weight: 1_815_000n,
        docs: ['Make some on-chain remark.'],
        dispatch: (_ctx, origin) => {
          ensureSigned(origin)
        },
      }),
      remark_with_event: call({
        index: 7,
        args: { remark: bytes },
        weight: 2_000_000n,
        docs: ['Make some on-chain remark and emit an event.'],
        dispatch: (ctx, origin, { remark }) => {
          const sender = ensureSigned(origin)
          ctx.deposit(events.Remarked, { sender, hash: blake2_256(remark) })
        },
      }),
    },
    events,
    errors: systemErrors,
    constants: {
      BlockWeights: constant(blockWeights, (c) => blockWeightLimits(c), 'Block & extrinsics weights: base values and limits.'),
      BlockLength: constant(
        blockLength,
        (c) => ({ max: { normal: Math.floor((c.maxBlockLength * 3) / 4), operational: c.maxBlockLength, mandatory: c.maxBlockLength } }),
        'The maximum length of a block (in bytes).',
      ),
      BlockHashCount: constant(u32, (c) => c.blockHashCount, 'Maximum number of block number to block hash mappings to keep.'),
      SS58Prefix: constant(u16, (c) => c.ss58Prefix, 'The designated SS58 prefix of this chain.'),
    },
  })
}
