/**
 * `Offences` (Substrate's pallet_offences; not in Crust's runtime as a pallet of its own here): the
 * one place every kind of offence is reported, de-duplicated and turned into a slash fraction; no
 * calls. Kinds: kinds.ts; reporting: report.ts.
 */
import { definePallet, event, type Pallet } from '../../frame/pallet.js'
import { kind, offencesStorage, opaqueTimeSlot, PATH } from './storage.js'

export const offencesEvents = {
  Offence: event(
    0,
    { kind, timeslot: opaqueTimeSlot },
    'There is an offence reported of the given `kind` happened at the `session_index` and (kind-specific) time slot. This event is not deposited for duplicate slashes.',
  ),
}

export function offencesPallet(index: number): Pallet {
  return definePallet({ name: 'Offences', index, path: PATH, storage: offencesStorage, events: offencesEvents })
}
