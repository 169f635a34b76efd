/**
 * Sessions and eras on block numbers (Crust's pallet_session with a PeriodicSessions of
 * `sessionLength` blocks, and staking's SessionManager: `new_session` / `new_era` / `start_session`
 * / `end_session` / `start_era` / `end_era`, cstrml/staking/src/lib.rs:1880-2060, 2449-2458).
 *
 * A session lasts `eraLength / sessionsPerEra` blocks (Crust: 3_600 / 6 = 600, one hour; the dev
 * spec's 360-block eras give 60-block sessions); when the chain spec's `eraLength` is not a
 * multiple of `sessionsPerEra` an era is one session. As in Crust the next era is planned one
 * session ahead: when session s starts, `new_session(s + 1)` plans era CurrentEra + 1 to start at
 * session s + 1 once the planned era has lasted `sessionsPerEra` sessions (ForceEra may force one
 * sooner, every session, or never), running its election then; when session s + 1 starts the
 * active era ends (its payouts) and the planned one becomes active with the elected set. Without
 * forcing, the active era = ⌊block / eraLength⌋ and its election ran one session earlier.
 */
import type { RuntimeConfig } from '../../frame/config.js'
import type { BlockContext } from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { BONDING_DURATION } from './constants.js'
import { clearEraInformation, electedValidators, selectAndUpdateValidators } from './election.js'
import { discardPagedElection, electionPageStep, finishPagedElection } from './election-pages.js'
import { endEra } from './rewards.js'
import { CurrentIndex, DisabledValidators, SessionValidators, sessionEvents } from './session.js'
import { rotateSessionKeys } from './session-keys.js'
import { imOnlineNewSession, imOnlineSessionEnding } from '../im-online/pallet.js'
import { applyUnappliedSlashes, clearEraMetadata } from './slashing.js'
import {
  ActiveEra,
  BondedEras,
  CurrentEra,
  ErasExposed,
  ErasStakers,
  ErasAuthorities,
  ErasStakersClipped,
  ErasStartSessionIndex,
  ErasTotalStakes,
  ErasValidatorPrefs,
  ForceEra,
  HistoryDepth,
} from './storage.js'

type EraContext = Pick<BlockContext, 'state' | 'config' | 'deposit'>

/** Blocks per session and sessions per era for a runtime config. */
export function sessionTiming(config: Pick<RuntimeConfig, 'eraLength' | 'sessionsPerEra'>): { sessionLength: number; sessionsPerEra: number } {
  const perEra = Math.max(1, config.sessionsPerEra)
  if (config.eraLength % perEra !== 0) return { sessionLength: config.eraLength, sessionsPerEra: 1 }
  return { sessionLength: config.eraLength / perEra, sessionsPerEra: perEra }
}

/** True when block `blockNumber` starts a session. */
export function isSessionStart(config: Pick<RuntimeConfig, 'eraLength' | 'sessionsPerEra'>, blockNumber: number): boolean {
  return blockNumber > 0 && blockNumber % sessionTiming(config).sessionLength === 0
}

/** Crust's `new_session(session)` test, without taking a ForceNew: whether the era after the planned one (CurrentEra) should start at `session`. */
function eraDue(state: StorageAccess, session: number, sessionsPerEra: number): boolean {
  const current = CurrentEra.get(state)
  if (current === undefined) return true
  const force = ForceEra.get(state).tag
  if (force === 'ForceNew' || force === 'ForceAlways') return true
  if (force === 'ForceNone') return false
  return session - (ErasStartSessionIndex.get(state, current) ?? 0) >= sessionsPerEra
}

/** Crust's `new_session(session)` test (lib.rs:1880-1906); takes a one-off ForceNew. */
function newEraDue(state: StorageAccess, session: number, sessionsPerEra: number): boolean {
  const due = eraDue(state, session, sessionsPerEra)
  if (CurrentEra.get(state) !== undefined && ForceEra.get(state).tag === 'ForceNew') ForceEra.put(state, { tag: 'NotForcing', value: undefined })
  return due
}

/**
 * Staking's `on_initialize` between session starts: a step of the paged election (election-pages.ts)
 * when the next session start will plan an era and the election is too big for that block.
 */
export function electionStep(ctx: EraContext & Pick<BlockContext, 'blockNumber'>): void {
  const state = ctx.state
  const { sessionLength, sessionsPerEra } = sessionTiming(ctx.config)
  const toStart = sessionLength - (ctx.blockNumber % sessionLength)
  // The next start begins session CurrentIndex + 1 and plans the era that would start at the one after.
  const plans = eraDue(state, CurrentIndex.get(state) + 2, sessionsPerEra)
  const current = CurrentEra.get(state)
  electionPageStep(ctx, toStart, plans ? (current === undefined ? 0 : current + 1) : undefined)
}

/**
 * Starts the next session (at a session's first block), as pallet_session's `rotate_session`:
 * ImOnline's offline report for the ending session, `end_session` (the active era ends when the
 * planned one starts with the next session),
 * CurrentIndex + 1 and no disabled validators, `start_session` (the planned era becomes active),
 * then `new_session(next)` (maybe plan the era after, with its election), then the session keys
 * (queued keys in force, next keys queued) and ImOnline's keys for the new session.
 */
export function rotateSession(ctx: EraContext): void {
  const state = ctx.state
  const { sessionsPerEra, sessionLength } = sessionTiming(ctx.config)
  imOnlineSessionEnding(ctx)
  const ending = CurrentIndex.get(state)
  // Genesis asks `new_session(1)` too (pallet_session's genesis build), which plans era 1 when eras
  // are one session long (or always forced); our genesis writes era 0 only, so that plan is made here.
  const genesisPlan = sessionsPerEra <= 1 || ForceEra.get(state).tag === 'ForceAlways'
  if (ending === 0 && genesisPlan && CurrentEra.get(state) === 0 && !ErasStartSessionIndex.contains(state, 1)) planEra(ctx, 1)
  const active = ActiveEra.get(state)
  const nextStart = ErasStartSessionIndex.get(state, active === undefined ? 0 : active.index + 1)
  if (active !== undefined && nextStart !== undefined && nextStart <= ending + 1) endEra(ctx, active.index)
  const session = ending + 1
  CurrentIndex.put(state, session)
  DisabledValidators.put(state, [])
  if (nextStart !== undefined && nextStart <= session) startEra(ctx, active === undefined ? 0 : active.index + 1)
  if (newEraDue(state, session + 1, sessionsPerEra)) planEra(ctx, session + 1)
  // A paged election this session start did not use (its era was not planned now) is stale.
  discardPagedElection(state)
  rotateSessionKeys(state, SessionValidators.get(state))
  imOnlineNewSession(state, sessionLength)
  ctx.deposit(sessionEvents.NewSession, { session_index: session })
}

/**
 * Crust's `new_era(start_session)`: CurrentEra + 1 starting at `startSession`, old era information
 * cleared, the election for it. The set it elects (or, when the election keeps the old set, the
 * set of the era before with its exposures carried over) is recorded as that era's authorities.
 */
export function planEra(ctx: EraContext, startSession: number): void {
  const state = ctx.state
  const previous = CurrentEra.get(state)
  const era = previous === undefined ? 0 : previous + 1
  CurrentEra.put(state, era)
  ErasStartSessionIndex.insert(state, era, startSession)
  const old = era - HistoryDepth.get(state) - 1
  if (old >= 0) {
    clearEraInformation(state, old)
    ErasStartSessionIndex.remove(state, old)
  }
  // The paged election, when the blocks before ran one for this era; else all of it in this block.
  const paged = finishPagedElection(state, era)
  const elected = paged.ready ? paged.result : selectAndUpdateValidators(state, era)
  if (elected !== undefined) {
    ErasAuthorities.insert(state, era, elected)
    return
  }
  if (previous === undefined) return
  const kept = ErasAuthorities.get(state, previous)
  ErasAuthorities.insert(state, era, kept)
  ErasExposed.insert(state, era, ErasExposed.get(state, previous))
  for (const stash of ErasExposed.get(state, previous)) {
    ErasStakers.insert(state, era, stash, ErasStakers.get(state, previous, stash))
    ErasStakersClipped.insert(state, era, stash, ErasStakersClipped.get(state, previous, stash))
    ErasValidatorPrefs.insert(state, era, stash, ErasValidatorPrefs.get(state, previous, stash))
  }
  ErasTotalStakes.insert(state, era, ErasTotalStakes.get(state, previous))
}

/**
 * Crust's `start_era`: era `era` becomes active at the current session (its start is stamped in
 * on_finalize), the bonded-era window moves (slashing records of eras that left it are cleared),
 * the deferred slashes now due are applied, and the session takes the era's planned set.
 */
export function startEra(ctx: EraContext, era: number): void {
  const state = ctx.state
  const session = CurrentIndex.get(state)
  ActiveEra.put(state, { index: era, start: undefined })
  noteBondedEra(state, era, session)
  applyUnappliedSlashes(ctx, era)
  SessionValidators.put(
    state,
    electedValidators(state).map((v) => v.stash),
  )
}

/** Adds `era` to BondedEras and drops (with their slashing records) the eras before the bonding window. */
function noteBondedEra(state: StorageAccess, era: number, session: number): void {
  const bonded = [...BondedEras.get(state), [era, session] as [number, number]]
  const firstKept = era - BONDING_DURATION
  let drop = 0
  while (drop < bonded.length && bonded[drop]![0] < firstKept) {
    clearEraMetadata(state, bonded[drop]![0])
    ErasAuthorities.remove(state, bonded[drop++]![0])
  }
  BondedEras.put(state, bonded.slice(drop))
}
