/**
 * Reporting an offence (Substrate's pallet_offences `report_offence`): each offender's report is
 * recorded once per (kind, time slot, offender); a report with no new offender changes nothing.
 * Otherwise every offender reported in that kind and time slot so far is handed to the offence
 * handler (staking) with the kind's slash fraction for that many concurrent offenders, so earlier
 * offenders of a slot are slashed up to the new, larger fraction (staking slashes the largest
 * fraction of an era once). The handler defers the slash (staking's SlashDeferDuration).
 */
import { u8aConcat } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import type { BlockContext } from '../../frame/pallet.js'
import type { OffenceKind } from './kinds.js'
import { offencesEvents } from './pallet.js'
import { ConcurrentReportsIndex, opaqueTimeSlot, Reports } from './storage.js'

type OffenceContext = Pick<BlockContext, 'state' | 'config' | 'deposit'>

/** One offence report: who misbehaved, of what kind, when, and in which authority set. */
export interface Offence {
  kind: OffenceKind
  /** SCALE of the kind's time slot (reports in one time slot are concurrent). */
  timeSlot: Uint8Array
  /** The offenders (validator stashes). */
  offenders: Uint8Array[]
  /** The era the offence happened in: the era whose exposures are slashed. */
  era: number
  /** The size of the authority set the offenders belonged to. */
  validatorSetCount: number
}

/** One recorded offender of a time slot and who reported it. */
export interface OffenceDetails {
  offender: Uint8Array
  reporters: Uint8Array[]
}

/**
 * What punishes offences (Substrate's `OnOffenceHandler`, staking's `on_offence`): slash each of
 * `offenders` by `fraction` (Perbill parts) of its exposure in `era`, its reporters rewarded.
 */
export type OnOffenceHandler = (ctx: OffenceContext, offenders: OffenceDetails[], fraction: bigint, era: number) => void

export type ReportOffenceResult =
  | { status: 'duplicate' }
  | {
      status: 'reported'
      /** Offenders of this kind and time slot so far (k). */
      offendersCount: number
      /** The fraction all of them are slashed by now, Perbill parts. */
      fraction: bigint
    }

/** Substrate's report id: blake2-256 of SCALE (kind, time slot as bytes, offender). */
export function reportId(kind: OffenceKind, timeSlot: Uint8Array, offender: Uint8Array): Uint8Array {
  return blake2AsU8a(u8aConcat(kind.id, opaqueTimeSlot.codec.enc(timeSlot), offender), 256)
}

/** Whether `offender`'s offence of this kind and time slot is already recorded. */
export function isKnownOffence(state: OffenceContext['state'], kind: OffenceKind, timeSlot: Uint8Array, offender: Uint8Array): boolean {
  return Reports.contains(state, reportId(kind, timeSlot, offender))
}

/** Records an offence and hands the time slot's offenders to `onOffence`; see the module comment. */
export function reportOffence(ctx: OffenceContext, reporters: Uint8Array[], offence: Offence, onOffence: OnOffenceHandler): ReportOffenceResult {
  const { kind, timeSlot } = offence
  const concurrent = [...ConcurrentReportsIndex.get(ctx.state, kind.id, timeSlot)]
  let anyNew = false
  for (const offender of offence.offenders) {
    const id = reportId(kind, timeSlot, offender)
    if (Reports.contains(ctx.state, id)) continue
    Reports.insert(ctx.state, id, { offender, reporters })
    concurrent.push(id)
    anyNew = true
  }
  if (!anyNew) return { status: 'duplicate' }
  ConcurrentReportsIndex.insert(ctx.state, kind.id, timeSlot, concurrent)
  ctx.deposit(offencesEvents.Offence, { kind: kind.id, timeslot: timeSlot })
  const details = concurrent.map((id) => Reports.get(ctx.state, id)).filter((d): d is OffenceDetails => d !== undefined)
  const fraction = kind.slashFraction(details.length, offence.validatorSetCount)
  onOffence(ctx, details, fraction, offence.era)
  return { status: 'reported', offendersCount: details.length, fraction }
}
