/**
 * Slashing as Crust's (crustio/crust: cstrml/staking/src/slashing.rs, Substrate's NPoS slashing):
 * a validator's offence slashes `fraction` of its exposure in the offence era, its own stake and each
 * guarantor's exposed stake alike. Within a slashing span only the largest slash counts (so
 * repeated reports never over-slash); a validator slashed in its current span is chilled, its span
 * ends, and it is disabled for the session. Computed slashes wait SlashDeferDuration eras in
 * `UnappliedSlashes` (root may cancel them) and are applied when that era starts: active bond first,
 * then unlocking chunks; the slashed value goes to the treasury, less a reward for reporters.
 */
import type { BlockContext } from '../../frame/pallet.js'
import type { OnOffenceHandler } from '../offences/index.js'
import type { StorageAccess } from '../../frame/storage.js'
import { depositInto, depositIntoTreasury, slash as slashBalance } from '../balances.js'
import { perbillMul } from '../../primitives/perbill.js'
import { BONDING_DURATION, REWARD_F1_PARTS, SLASH_DEFER_DURATION } from './constants.js'
import { events } from './errors.js'
import { slashLedger, updateLedger } from './ledger.js'
import { disableValidator } from './session.js'
import {
  ActiveEra,
  Bonded,
  BondedEras,
  EarliestUnappliedSlash,
  ErasSlashed,
  ErasStakers,
  ErasStartSessionIndex,
  ForceEra,
  GuarantorSlashInEra,
  Invulnerables,
  Ledger,
  removeGuarantor,
  removeValidator,
  sameAccount,
  SlashingSpans,
  SlashRewardFraction,
  SpanSlash,
  StakeLimit,
  UnappliedSlashes,
  ValidatorSlashInEra,
} from './storage.js'
import type { Exposure, SlashingSpans as Spans, UnappliedSlash } from './types.js'

type SlashContext = Pick<BlockContext, 'state' | 'config' | 'deposit'>

/** One slashing span: eras [start, start + length), the current one open-ended. */
export interface SlashingSpan {
  index: number
  start: number
  length: number | undefined
}

const spanContains = (span: SlashingSpan, era: number) => span.start <= era && (span.length === undefined || span.start + span.length > era)

/** A fresh record for a stash first slashed, starting at the bonding window. */
export function newSpans(windowStart: number): Spans {
  return { span_index: 0, last_start: windowStart, last_nonzero_slash: 0, prior: [] }
}

/** The spans, most recent (ongoing) first. */
export function spansOf(spans: Spans): SlashingSpan[] {
  const out: SlashingSpan[] = [{ index: spans.span_index, start: spans.last_start, length: undefined }]
  let start = spans.last_start
  let index = spans.span_index
  for (const length of spans.prior) {
    start -= length
    index -= 1
    out.push({ index, start, length })
  }
  return out
}

/** Ends the ongoing span so a new one starts at era `now + 1`; false (no change) if it would not start later. */
export function endSpan(spans: Spans, now: number): boolean {
  const nextStart = now + 1
  if (nextStart <= spans.last_start) return false
  spans.prior.unshift(nextStart - spans.last_start)
  spans.last_start = nextStart
  spans.span_index += 1
  return true
}

/** Drops the prior spans that ended before `windowStart`; returns the [first, end) span indices dropped. */
export function pruneSpans(spans: Spans, windowStart: number): [number, number] | undefined {
  const old = spansOf(spans)
    .slice(1)
    .findIndex((s) => s.length !== undefined && s.start + s.length <= windowStart)
  const earliest = spans.span_index - spans.prior.length
  let pruned: [number, number] | undefined
  if (old >= 0) {
    spans.prior.length = old
    pruned = [earliest, spans.span_index - spans.prior.length]
  }
  spans.last_start = Math.max(spans.last_start, windowStart)
  return pruned
}

/** Crust's `InspectingSpans`: one stash's spans under inspection; `finish` writes them back if a slash was recorded. */
class InspectingSpans {
  dirty = false
  paidOut = 0n
  slashOf = 0n
  readonly spans: Spans

  constructor(
    private readonly state: StorageAccess,
    private readonly stash: Uint8Array,
    private readonly windowStart: number,
    private readonly rewardProportion: bigint,
  ) {
    const stored = SlashingSpans.get(state, stash)
    if (stored === undefined) {
      this.spans = newSpans(windowStart)
      SlashingSpans.insert(state, stash, this.spans)
    } else {
      this.spans = { ...stored, prior: [...stored.prior] }
    }
  }

  get spanIndex(): number {
    return this.spans.span_index
  }

  endSpan(now: number): void {
    this.dirty = endSpan(this.spans, now) || this.dirty
  }

  eraSpan(era: number): SlashingSpan | undefined {
    return spansOf(this.spans).find((s) => spanContains(s, era))
  }

  /**
   * Compares `slash` in `slashEra` with the span's largest so far: a larger one adds the difference
   * to this stash's slash; the reporters' reward is F1 × (SlashRewardFraction × slash − already paid).
   * Returns the index of the span holding `slashEra` (undefined when no span holds it).
   */
  compareAndUpdateSpanSlash(slashEra: number, slash: bigint): number | undefined {
    const target = this.eraSpan(slashEra)
    if (target === undefined) return undefined
    const key: [Uint8Array, number] = [this.stash, target.index]
    const record = { ...SpanSlash.get(this.state, key) }
    let changed = false
    const rewardOf = () => {
      const due = perbillMul(this.rewardProportion, slash)
      return perbillMul(REWARD_F1_PARTS, due > record.paid_out ? due - record.paid_out : 0n)
    }
    let reward = 0n
    if (record.slashed < slash) {
      const difference = slash - record.slashed
      record.slashed = slash
      reward = rewardOf()
      this.slashOf += difference
      this.spans.last_nonzero_slash = Math.max(this.spans.last_nonzero_slash, slashEra)
      changed = true
    } else if (record.slashed === slash) {
      reward = rewardOf()
    }
    if (reward !== 0n) {
      changed = true
      record.paid_out += reward
      this.paidOut += reward
    }
    if (changed) {
      this.dirty = true
      SpanSlash.insert(this.state, key, record)
    }
    return target.index
  }

  /** Writes the spans back (pruned to the window) when something changed. */
  finish(): void {
    if (!this.dirty) return
    const pruned = pruneSpans(this.spans, this.windowStart)
    if (pruned !== undefined) for (let i = pruned[0]; i < pruned[1]; i++) SpanSlash.remove(this.state, [this.stash, i])
    SlashingSpans.insert(this.state, this.stash, this.spans)
  }
}

/** Crust's `chill_stash`: the stash stops validating or guaranteeing and loses its stake limit. */
export function chillStash(state: StorageAccess, stash: Uint8Array): void {
  StakeLimit.remove(state, stash)
  removeValidator(state, stash)
  removeGuarantor(state, stash)
}

/** Makes the next session start a new era (unless one is forced already). */
export function ensureNewEra(state: StorageAccess): void {
  const force = ForceEra.get(state).tag
  if (force !== 'ForceAlways' && force !== 'ForceNew') ForceEra.put(state, { tag: 'ForceNew', value: undefined })
}

/** Chills an offender slashed in its current span, ends the span and disables it for the session. */
function chillAndDisable(state: StorageAccess, spans: InspectingSpans, stash: Uint8Array, now: number): void {
  spans.endSpan(now)
  chillStash(state, stash)
  if (disableValidator(state, stash) === true) ensureNewEra(state)
}

function noteSlashed(state: StorageAccess, era: number, stash: Uint8Array): void {
  const list = ErasSlashed.get(state, era)
  if (!list.some((a) => sameAccount(a, stash))) ErasSlashed.insert(state, era, [...list, stash])
}

/** What {@link computeSlash} needs. */
export interface SlashParams {
  stash: Uint8Array
  /** Perbill parts of the exposure to slash. */
  fraction: bigint
  exposure: Exposure
  slashEra: number
  /** The first era of the current bonding period. */
  windowStart: number
  /** The active era. */
  now: number
  /** SlashRewardFraction, Perbill parts. */
  rewardProportion: bigint
}

/**
 * Crust's `compute_slash`: records the slash of a validator and its guarantors in the span
 * bookkeeping and returns the unapplied slash record (without reporters), or undefined when it
 * slashes nothing new (zero exposure, or not above the validator's largest slash in that era).
 */
export function computeSlash(state: StorageAccess, p: SlashParams): UnappliedSlash | undefined {
  const ownSlash = perbillMul(p.fraction, p.exposure.own)
  if (perbillMul(p.fraction, p.exposure.total) === 0n) {
    // Nothing to take, but a validator misbehaving in its current span is still kicked out.
    const spans = new InspectingSpans(state, p.stash, p.windowStart, p.rewardProportion)
    if (spans.eraSpan(p.slashEra)?.index === spans.spanIndex) chillAndDisable(state, spans, p.stash, p.now)
    spans.finish()
    return undefined
  }
  const prior = ValidatorSlashInEra.get(state, p.slashEra, p.stash) ?? [0, 0n]
  const priorFraction = BigInt(prior[0])
  // Proportions, not values, are compared (no rounding effects).
  if (p.fraction <= priorFraction) return undefined
  ValidatorSlashInEra.insert(state, p.slashEra, p.stash, [Number(p.fraction), ownSlash])
  noteSlashed(state, p.slashEra, p.stash)

  let payout = 0n
  const spans = new InspectingSpans(state, p.stash, p.windowStart, p.rewardProportion)
  const target = spans.compareAndUpdateSpanSlash(p.slashEra, ownSlash)
  if (target === spans.spanIndex) chillAndDisable(state, spans, p.stash, p.now)
  spans.finish()
  payout += spans.paidOut

  const others: Array<[Uint8Array, bigint]> = []
  for (const g of p.exposure.others) {
    // A guarantor's era slash grows by what this larger validator slash adds.
    const byPrior = perbillMul(priorFraction, g.value)
    const byThis = perbillMul(p.fraction, g.value)
    const eraSlash = (GuarantorSlashInEra.get(state, p.slashEra, g.who) ?? 0n) + (byThis > byPrior ? byThis - byPrior : 0n)
    GuarantorSlashInEra.insert(state, p.slashEra, g.who, eraSlash)
    noteSlashed(state, p.slashEra, g.who)
    const gSpans = new InspectingSpans(state, g.who, p.windowStart, p.rewardProportion)
    // The guarantor is not chilled: only its span ends.
    if (gSpans.compareAndUpdateSpanSlash(p.slashEra, eraSlash) === gSpans.spanIndex) gSpans.endSpan(p.now)
    gSpans.finish()
    payout += gSpans.paidOut
    others.push([g.who, gSpans.slashOf])
  }
  return { validator: p.stash, own: spans.slashOf, others, reporters: [], payout }
}

/**
 * Crust's `do_slash`: takes `value` from the stash's ledger (active, then unlocking) and balance,
 * emits Slash(stash, amount); returns the amount taken and what the balance could not cover.
 */
function doSlash(ctx: SlashContext, stash: Uint8Array, value: bigint): { slashed: bigint; missing: bigint } {
  const controller = Bonded.get(ctx.state, stash)
  const ledger = controller === undefined ? undefined : Ledger.get(ctx.state, controller)
  if (controller === undefined || ledger === undefined) return { slashed: 0n, missing: 0n }
  const [next, taken] = slashLedger(ledger, value, ctx.config.existentialDeposit)
  if (taken === 0n) return { slashed: 0n, missing: 0n }
  const { slashed, missing } = slashBalance(ctx, stash, taken)
  updateLedger(ctx, controller, next)
  ctx.deposit(events.Slash, { who: stash, amount: taken })
  return { slashed, missing }
}

/**
 * Crust's `apply_slash` and `pay_reporters`: slashes the validator and its guarantors; the
 * reporters share the payout (at most what was slashed), the rest goes to the treasury. Returns
 * the total taken from balances.
 */
export function applySlash(ctx: SlashContext, unapplied: UnappliedSlash): bigint {
  let payout = unapplied.payout
  let slashed = 0n
  for (const [who, value] of [[unapplied.validator, unapplied.own] as const, ...unapplied.others]) {
    const r = doSlash(ctx, who, value)
    slashed += r.slashed
    payout = payout > r.missing ? payout - r.missing : 0n
  }
  let toTreasury = slashed
  if (payout !== 0n && unapplied.reporters.length > 0) {
    const reward = payout < slashed ? payout : slashed
    const each = reward / BigInt(unapplied.reporters.length)
    // A share an account cannot receive (below the existential deposit for a new account) is lost.
    for (const reporter of unapplied.reporters) depositInto(ctx, reporter, each)
    toTreasury = slashed - each * BigInt(unapplied.reporters.length)
  }
  depositIntoTreasury(ctx, toTreasury)
  return slashed
}

/** Applies the deferred slashes that are due at the start of `activeEra` (Crust's `apply_unapplied_slashes`). */
export function applyUnappliedSlashes(ctx: SlashContext, activeEra: number): void {
  const earliest = EarliestUnappliedSlash.get(ctx.state)
  if (earliest === undefined) return
  const keepFrom = Math.max(0, activeEra - SLASH_DEFER_DURATION)
  for (let era = earliest; era < keepFrom; era++) {
    const slashes = UnappliedSlashes.get(ctx.state, era)
    UnappliedSlashes.remove(ctx.state, era)
    for (const s of slashes) applySlash(ctx, s)
  }
  EarliestUnappliedSlash.put(ctx.state, Math.max(earliest, keepFrom))
}

/** Removes an era's slashing records (Crust's `clear_era_metadata`). */
export function clearEraMetadata(state: StorageAccess, era: number): void {
  for (const stash of ErasSlashed.get(state, era)) {
    ValidatorSlashInEra.remove(state, era, stash)
    GuarantorSlashInEra.remove(state, era, stash)
  }
  ErasSlashed.remove(state, era)
}

/** Removes a dead stash's spans (Crust's `clear_stash_metadata`). */
export function clearStashMetadata(state: StorageAccess, stash: Uint8Array): void {
  const spans = SlashingSpans.get(state, stash)
  if (spans === undefined) return
  SlashingSpans.remove(state, stash)
  for (const span of spansOf(spans)) SpanSlash.remove(state, [stash, span.index])
}

/** What {@link reportOffence} did with a report. */
export interface ReportOffenceResult {
  /** The era the offence was counted in (undefined when discarded). */
  slashEra: number | undefined
  /** The slashes computed, deferred or (with no deferral) applied. */
  slashes: UnappliedSlash[]
}

/**
 * The hook consensus calls for an offence (Crust's `on_offence` behind `FilterHistoricalOffences`):
 * `offenders` (validator stashes) misbehaved in `era`, each to be slashed by `fraction` (Perbill
 * parts) of its exposure in that era (ErasStakers). An era before the bonding window is discarded
 * (OldSlashingReportDiscarded with the era's first session); a future era counts as the active
 * one. Invulnerables are skipped. The slashes are queued under the active era and applied at the
 * start of era active + SlashDeferDuration + 1 (as Crust's `apply_unapplied_slashes` does).
 * `reporters` share the reporters' reward (none yet: consensus reports without reporters).
 */
export function reportOffence(
  ctx: SlashContext,
  offenders: Uint8Array[],
  fraction: bigint | number,
  era: number,
  reporters: Uint8Array[] = [],
): ReportOffenceResult {
  const active = ActiveEra.get(ctx.state)?.index
  if (active === undefined) return { slashEra: undefined, slashes: [] }
  const bonded = BondedEras.get(ctx.state)
  const first = bonded[0]?.[0] ?? active
  if (era < first) {
    ctx.deposit(events.OldSlashingReportDiscarded, { session: ErasStartSessionIndex.get(ctx.state, era) ?? 0 })
    return { slashEra: undefined, slashes: [] }
  }
  const slashEra = Math.min(era, active)
  if (EarliestUnappliedSlash.get(ctx.state) === undefined) EarliestUnappliedSlash.put(ctx.state, active)
  const invulnerables = Invulnerables.get(ctx.state)
  const rewardProportion = BigInt(SlashRewardFraction.get(ctx.state))
  const windowStart = Math.max(0, active - BONDING_DURATION)
  const slashes: UnappliedSlash[] = []
  for (const stash of offenders) {
    if (invulnerables.some((i) => sameAccount(i, stash))) continue
    const exposure = ErasStakers.get(ctx.state, slashEra, stash)
    const unapplied = computeSlash(ctx.state, { stash, fraction: BigInt(fraction), exposure, slashEra, windowStart, now: active, rewardProportion })
    if (unapplied === undefined) continue
    unapplied.reporters = reporters
    slashes.push(unapplied)
    UnappliedSlashes.insert(ctx.state, active, [...UnappliedSlashes.get(ctx.state, active), unapplied])
  }
  return { slashEra, slashes }
}

/**
 * Staking as the offences pallet's handler (Substrate's `OnOffenceHandler` for staking): each
 * offender is slashed by `fraction` of its exposure in `era`, its own reporters credited.
 */
export const stakingOnOffence: OnOffenceHandler = (ctx, offenders, fraction, era) => {
  for (const { offender, reporters } of offenders) reportOffence(ctx, [offender], fraction, era, reporters)
}
