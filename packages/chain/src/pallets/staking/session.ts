/**
 * A minimal `Session` pallet (Substrate's pallet_session storage as Crust's runtime has it): the
 * session index, the session's validator set and the validators disabled in it. Sessions run on
 * block numbers and staking drives them (see pallet.ts); session keys (set_keys, purge_keys) are
 * in session-keys.ts.
 */
import { accountId32, named, u32, vec } from '../../primitives/codec/scale-type.js'
import { definePallet, event, type Pallet } from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { valueWithDefault } from '../../frame/storage.js'
import { perbillMul } from '../../primitives/perbill.js'
import { DISABLED_VALIDATORS_THRESHOLD_PARTS } from './constants.js'
import { sessionCalls, sessionErrors, sessionKeysStorage } from './session-keys.js'

const PALLET = 'Session'
const sessionIndex = named(u32, 'SessionIndex')

export const SessionValidators = valueWithDefault({
  pallet: PALLET,
  name: 'Validators',
  value: vec(named(accountId32, 'T::ValidatorId')),
  default: [] as Uint8Array[],
  docs: ['The current set of validators.'],
})
export const CurrentIndex = valueWithDefault({ pallet: PALLET, name: 'CurrentIndex', value: sessionIndex, default: 0, docs: ['Current index of the session.'] })
export const DisabledValidators = valueWithDefault({
  pallet: PALLET,
  name: 'DisabledValidators',
  value: vec(named(u32, 'u32')),
  default: [] as number[],
  docs: ['Indices of disabled validators.', '', 'The set is cleared when a new session starts.'],
})

export const sessionEvents = {
  NewSession: event(
    0,
    { session_index: sessionIndex },
    'New session has happened. Note that the argument is the session index, not the block number as the type might suggest.',
    true,
  ),
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Disables `stash` for the rest of the session (pallet_session's `disable`): returns undefined when
 * it is not in the session's set, otherwise whether more than 17 % of the set is now disabled (then
 * staking forces a new era).
 */
export function disableValidator(state: StorageAccess, stash: Uint8Array): boolean | undefined {
  const validators = SessionValidators.get(state)
  const i = validators.findIndex((v) => same(v, stash))
  if (i < 0) return undefined
  const disabled = DisabledValidators.get(state)
  if (disabled.includes(i)) return false
  const next = [...disabled, i].sort((a, b) => a - b)
  DisabledValidators.put(state, next)
  return BigInt(next.length) > perbillMul(DISABLED_VALIDATORS_THRESHOLD_PARTS, BigInt(validators.length))
}

export function sessionPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_session',
    storage: [SessionValidators, CurrentIndex, DisabledValidators, ...sessionKeysStorage],
    calls: sessionCalls,
    events: sessionEvents,
    errors: sessionErrors,
  })
}
