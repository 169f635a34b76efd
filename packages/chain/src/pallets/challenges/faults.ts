/**
 * What a fault does: it is recorded in the sWorker's history, its replica is removed (not counted,
 * not paid), and unless declared beforehand the owner's stake limit falls at once and the fault's
 * report slot counts towards an offence in the era (faults in OFFENCE_FAULT_THRESHOLD slots: one
 * offence, slashed through the offences pallet and staking).
 */
import type { BlockContext } from '../../frame/pallet.js'
import { u32 } from '../../primitives/codec/scale-type.js'
import { removeReplicaOfAnchor } from '../market/replicas.js'
import { reportOffence, STORAGE_CHALLENGE_FAILURE } from '../offences/index.js'
import { lowerStakeLimit } from '../staking/pallet.js'
import { stakingOnOffence } from '../staking/slashing.js'
import { ActiveEra, ErasAuthorities } from '../staking/storage.js'
import { ownerOf, reportSlotOf } from '../swork/interface.js'
import { FAULT_HISTORY, OFFENCE_FAULT_THRESHOLD } from './constants.js'
import { challengesEvents } from './errors.js'
import { Faults, OwnerFaults, Stats } from './storage.js'
import type { FaultKind } from './types.js'

export type FaultContext = Pick<BlockContext, 'state' | 'config' | 'deposit' | 'blockNumber'>

/** Counts a faulty report slot of `owner` in the active era; the threshold-th one is reported as an offence. */
function countFault(ctx: FaultContext, owner: Uint8Array): void {
  const era = ActiveEra.get(ctx.state)?.index
  if (era === undefined) return
  const slot = reportSlotOf(ctx.config, ctx.blockNumber)
  const previous = OwnerFaults.get(ctx.state, owner)
  if (previous?.era === era && previous.last_slot === slot) return
  const slots = previous?.era === era ? previous.slots + 1 : 1
  OwnerFaults.insert(ctx.state, owner, { era, slots, last_slot: slot })
  if (slots !== OFFENCE_FAULT_THRESHOLD) return
  const authorities = ErasAuthorities.get(ctx.state, era)
  const offence = { kind: STORAGE_CHALLENGE_FAILURE, timeSlot: u32.codec.enc(era), offenders: [owner], era, validatorSetCount: Math.max(1, authorities.length) }
  reportOffence(ctx, [], offence, stakingOnOffence)
  ctx.deposit(challengesEvents.StorageOffence, { owner, era, slots })
}

/** Records a fault in the sWorker's history and counters (and, unless declared, towards an offence). */
export function recordFault(ctx: FaultContext, who: Uint8Array, anchor: Uint8Array, cid: Uint8Array, kind: FaultKind): void {
  const history = [...Faults.get(ctx.state, anchor), { cid, block: ctx.blockNumber, kind: { tag: kind, value: undefined } }]
  Faults.insert(ctx.state, anchor, history.slice(-FAULT_HISTORY))
  const stats = Stats.get(ctx.state, anchor)
  Stats.insert(ctx.state, anchor, kind === 'Declared' ? { ...stats, declared: stats.declared + 1 } : { ...stats, failed: stats.failed + 1 })
  if (kind !== 'Declared') countFault(ctx, ownerOf(ctx.state, who))
}

/**
 * A replica's fault: recorded, the replica (if the sWorker still holds one) removed with its
 * spower, and for an undeclared fault the owner's stake limit lowered by what it was worth.
 */
export function failReplica(ctx: FaultContext, who: Uint8Array, anchor: Uint8Array, cid: Uint8Array, kind: FaultKind): void {
  recordFault(ctx, who, anchor, cid, kind)
  const removed = removeReplicaOfAnchor(ctx, cid, anchor)
  if (removed !== undefined && kind !== 'Declared') lowerStakeLimit(ctx.state, removed.owner, removed.spower)
  ctx.deposit(challengesEvents.ReplicaFailed, { who, cid, kind: { tag: kind, value: undefined } })
}
