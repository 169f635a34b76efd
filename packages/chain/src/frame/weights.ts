/**
 * Block weight accounting as frame_system does it: the weight a block has used, per dispatch class
 * (`System.BlockWeight`), and the per-class limits a signed extrinsic must fit in
 * (`CheckWeight::calculate_consumed_weight` with `BlockWeights::with_sensible_defaults`).
 */
import type { RuntimeConfig } from './config.js'
import type { DispatchClass } from '../primitives/substrate-types.js'

/** Substrate's RocksDbWeight: a storage read, 25 µs; a write, 100 µs (ref-time picoseconds). */
export const DB_READ_WEIGHT = 25_000_000n
export const DB_WRITE_WEIGHT = 100_000_000n

/** Substrate 3.0's `BlockExecutionWeight` (5 ms): an empty block, charged as Mandatory at initialize. */
export const BLOCK_EXECUTION_WEIGHT = 5_000_000_000n

/** What a block hook is charged besides its storage accesses (1 µs): running a hook is not free. */
export const HOOK_BASE_WEIGHT = 1_000_000n

/** The share of a block normal-class extrinsics may use (percent). */
export const NORMAL_DISPATCH_RATIO = 75n

/** Weight used in a block, per dispatch class (ref-time; proof size is not tracked). */
export interface ConsumedWeight {
  normal: bigint
  operational: bigint
  mandatory: bigint
}

export const classKey = (cls: DispatchClass): keyof ConsumedWeight => (cls === 'Normal' ? 'normal' : cls === 'Operational' ? 'operational' : 'mandatory')

/** The normal class's `max_total`: 75 % of the block. */
export const normalMaxWeight = (config: RuntimeConfig): bigint => (config.maxBlockWeight * NORMAL_DISPATCH_RATIO) / 100n

/**
 * Whether an extrinsic of `weight` (base included) and class `cls` still fits in a block that has
 * used `consumed`: its class's total stays within the class's `max_total` (Normal 75 % of the block,
 * Operational the whole block), and when the block's total over all classes (Mandatory hooks and
 * inherents included) would pass `max_block`, the class's total stays within its `reserved` (Normal
 * none, Operational the 25 % Normal may not use). Mandatory is not limited.
 */
export function fitsBlock(config: RuntimeConfig, consumed: ConsumedWeight, cls: DispatchClass, weight: bigint): boolean {
  if (cls === 'Mandatory') return true
  const maxBlock = config.maxBlockWeight
  const normalMax = normalMaxWeight(config)
  const perClass = consumed[classKey(cls)] + weight
  const maxTotal = cls === 'Normal' ? normalMax : maxBlock
  if (perClass > maxTotal) return false
  const total = consumed.normal + consumed.operational + consumed.mandatory + weight
  if (total > maxBlock) {
    const reserved = cls === 'Normal' ? 0n : maxBlock - normalMax
    if (perClass > reserved) return false
  }
  return true
}

/** The longest a block's extrinsics may be, together, when one of class `cls` is added (Normal 75 %). */
export const maxLengthFor = (config: RuntimeConfig, cls: DispatchClass): number => (cls === 'Normal' ? (config.maxBlockLength * 3) / 4 : config.maxBlockLength)

/**
 * The maximum weight of one extrinsic of each limited class, as the transaction pool checks it
 * (`validateTransaction`: base and call weight within the normal class's total, for Normal and
 * Operational alike), without the base weight, as `BlockWeights.per_class.max_extrinsic` states it.
 */
export const maxExtrinsicWeight = (config: RuntimeConfig): bigint => normalMaxWeight(config) - config.extrinsicBaseWeight

/** `frame_system::limits::BlockWeights`'s values (the System.BlockWeights constant), ref-time only. */
export function blockWeightLimits(config: RuntimeConfig) {
  const w = (refTime: bigint) => ({ ref_time: refTime, proof_size: 0n })
  const base = w(config.extrinsicBaseWeight)
  const maxBlock = config.maxBlockWeight
  const normalMax = normalMaxWeight(config)
  return {
    base_block: w(BLOCK_EXECUTION_WEIGHT),
    max_block: w(maxBlock),
    per_class: {
      normal: { base_extrinsic: base, max_extrinsic: w(maxExtrinsicWeight(config)), max_total: w(normalMax), reserved: w(0n) },
      operational: { base_extrinsic: base, max_extrinsic: w(maxExtrinsicWeight(config)), max_total: w(maxBlock), reserved: w(maxBlock - normalMax) },
      mandatory: { base_extrinsic: base, max_extrinsic: undefined, max_total: undefined, reserved: undefined },
    },
  }
}
