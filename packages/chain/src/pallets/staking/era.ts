/**
 * Sessions and eras on block numbers (Crust's pallet_session with a PeriodicSessions of
 * `sessionLength` blocks, and staking's `new_session` / `start_era` / `end_era`).
 *
 * A session lasts `eraLength / sessionsPerEra` blocks (Crust: 3_600 / 6 = 600, one hour; the dev
 * spec's 360-block eras give 60-block sessions); when the chain spec's `eraLength` is not a
 * multiple of `sessionsPerEra` an era is one session. At each session boundary the session index
 * grows, the disabled validators are cleared, and a new era starts when the active era has lasted
 * `sessionsPerEra` sessions (ForceEra may force one sooner, every session, or never). Without
 * forcing, era = ⌊block / eraLength⌋.
 */
import type { RuntimeConfig } from '../../frame/config.js'
import type { BlockContext } from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { BONDING_DURATION } from './constants.js'
import { clearEraInformation, electedValidators, selectAndUpdateValidators } from './election.js'
import { endEra } from './rewards.js'
import { CurrentIndex, DisabledValidators, SessionValidators, sessionEvents } from './session.js'
import { applyUnappliedSlashes, clearEraMetadata } from './slashing.js'
import {
  ActiveEra,
  BondedEras,
  CurrentElected,
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

/** Whether the session now starting (`session`) starts a new era; takes a one-off ForceNew. */
function newEraDue(state: StorageAccess, session: number, sessionsPerEra: number): boolean {
  const active = ActiveEra.get(state)
  if (active === undefined) return true
  const force = ForceEra.get(state).tag
  if (force === 'ForceNew') {
    ForceEra.put(state, { tag: 'NotForcing', value: undefined })
    return true
  }
  if (force === 'ForceAlways') return true
  if (force === 'ForceNone') return false
  return session - (ErasStartSessionIndex.get(state, active.index) ?? 0) >= sessionsPerEra
}

/**
 * Starts the next session (at a session's first block): CurrentIndex + 1, no disabled validators,
 * and, when due, the end of the active era (its payouts) and the start of the next one.
 */
export function rotateSession(ctx: EraContext): void {
  const session = CurrentIndex.get(ctx.state) + 1
  const due = newEraDue(ctx.state, session, sessionTiming(ctx.config).sessionsPerEra)
  CurrentIndex.put(ctx.state, session)
  DisabledValidators.put(ctx.state, [])
  if (due) {
    const ending = ActiveEra.get(ctx.state)?.index
    if (ending !== undefined) endEra(ctx, ending)
    startEra(ctx, ending === undefined ? 0 : ending + 1)
  }
  ctx.deposit(sessionEvents.NewSession, { session_index: session })
}

/**
 * Starts era `era` at the current session: CurrentEra, ActiveEra (its start is stamped in
 * on_finalize), ErasStartSessionIndex, the bonded-era window (slashing records of eras that left
 * it are cleared), the deferred slashes now due, then the election and the session's validator
 * set. When the election keeps the old set, the kept validators' exposures are carried into the
 * new era so that their weights stay readable.
 */
export function startEra(ctx: EraContext, era: number): void {
  const state = ctx.state
  const previous = ActiveEra.get(state)?.index
  const session = CurrentIndex.get(state)
  CurrentEra.put(state, era)
  ActiveEra.put(state, { index: era, start: undefined })
  ErasStartSessionIndex.insert(state, era, session)
  const old = era - HistoryDepth.get(state) - 1
  if (old >= 0) {
    clearEraInformation(state, old)
    ErasStartSessionIndex.remove(state, old)
  }
  noteBondedEra(state, era, session)
  applyUnappliedSlashes(ctx, era)
  const elected = selectAndUpdateValidators(state, era)
  if (elected === undefined && previous !== undefined && previous !== era) {
    const kept = CurrentElected.get(state)
    ErasExposed.insert(state, era, kept)
    for (const stash of kept) {
      ErasStakers.insert(state, era, stash, ErasStakers.get(state, previous, stash))
      ErasStakersClipped.insert(state, era, stash, ErasStakersClipped.get(state, previous, stash))
      ErasValidatorPrefs.insert(state, era, stash, ErasValidatorPrefs.get(state, previous, stash))
    }
    ErasTotalStakes.insert(state, era, ErasTotalStakes.get(state, previous))
  }
  const authorities = electedValidators(state).map((v) => v.stash)
  SessionValidators.put(state, authorities)
  ErasAuthorities.insert(state, era, authorities)
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
