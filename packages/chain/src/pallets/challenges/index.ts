/** `challenges`: storage challenges verified on chain (see pallet.ts). */
export { challengesPallet } from './pallet.js'
export { challengesErrors, challengesEvents } from './errors.js'
export * from './constants.js'
export { draw, drawChallenges } from './issue.js'
export { fixFileRoot, setClientRoot } from './roots.js'
export * as ChallengesStorage from './storage.js'
export type { Challenge, ChallengeSet, ChallengeStats, Fault, FaultKind, SegmentProof } from './types.js'

import type { StorageAccess } from '../../frame/storage.js'
import { Enabled } from './storage.js'

/** Challenges genesis: the switch. */
export function buildChallengesGenesis(state: StorageAccess, genesis: { enabled: boolean }): void {
  Enabled.put(state, genesis.enabled)
}
