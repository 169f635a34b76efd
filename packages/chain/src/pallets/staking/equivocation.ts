/**
 * Equivocation reports (not in Crust, whose runtime takes them from BABE/GRANDPA's offence
 * reports): anyone proves that a validator signed two different blocks for one Aura slot, or two
 * different finality votes of one kind in one round of one voter set, and the offender is slashed
 * through {@link reportOffence} in the active era, the reporter sharing the reporters' reward.
 *
 * Evidence, both items of one kind:
 * - block (kind 0): the two SCALE-encoded sealed headers;
 * - vote (kind 1): the vote's signed payload then its 64-byte signature, i.e.
 *   `genesis (32) ++ vote kind (u8) ++ set id (u64 LE) ++ round (u64 LE) ++ target hash (32) ++
 *   target number (u32 LE) ++ signature (64)` (see the consensus package's finality votes).
 */
import { u8aConcat, u8aEq } from '@polkadot/util'
import { blake2AsU8a, sr25519Verify } from '@polkadot/util-crypto'
import { findSlot, unsealHeader, verifySeal } from '../../primitives/aura.js'
import { decodeHeader, hashHeader } from '../../primitives/header.js'
import { type DispatchContext, moduleError } from '../../frame/pallet.js'
import { BlockHash } from '../system.js'
import { events, stakingErrors as err } from './errors.js'
import { reportOffence } from './slashing.js'
import { SessionValidators } from './session.js'
import { ActiveEra, ReportedEquivocations, sameAccount } from './storage.js'

export const EquivocationKind = { BLOCK: 0, VOTE: 1 } as const
export type EquivocationKind = (typeof EquivocationKind)[keyof typeof EquivocationKind]

/** Perbill parts slashed for an equivocation of each kind (Substrate's default for one offender in a set of ~10). */
export const EQUIVOCATION_SLASH_FRACTION = { [EquivocationKind.BLOCK]: 100_000_000, [EquivocationKind.VOTE]: 100_000_000 } as const

const VOTE_PAYLOAD = 32 + 1 + 8 + 8 + 32 + 4
const VOTE_EVIDENCE = VOTE_PAYLOAD + 64

export interface EquivocationReport {
  offender: Uint8Array
  kind: number
  first: Uint8Array
  second: Uint8Array
}

/** The vote evidence of one signed vote: its payload (with the genesis hash) then its signature. */
export const voteEvidence = (payload: Uint8Array, signature: Uint8Array): Uint8Array => u8aConcat(payload, signature)

/** The identity of a block equivocation (its slot); throws InvalidEquivocationProof. */
function checkBlocks(offender: Uint8Array, first: Uint8Array, second: Uint8Array): Uint8Array {
  const slots = [first, second].map((bytes) => {
    let header: ReturnType<typeof decodeHeader>
    try {
      header = decodeHeader(bytes)
    } catch {
      throw moduleError(err.InvalidEquivocationProof)
    }
    const slot = findSlot(header)
    const sealed = unsealHeader(header)
    if (slot === undefined || sealed === undefined || !verifySeal(sealed.preHeader, sealed.signature, offender)) throw moduleError(err.InvalidEquivocationProof)
    return slot
  })
  if (slots[0] !== slots[1] || u8aEq(hashHeader(first), hashHeader(second))) throw moduleError(err.InvalidEquivocationProof)
  const slot = new Uint8Array(8)
  new DataView(slot.buffer).setBigUint64(0, BigInt(slots[0]!), true)
  return slot
}

/** The identity of a vote equivocation (genesis, kind, set id, round); throws InvalidEquivocationProof. */
function checkVotes(ctx: Pick<DispatchContext, 'state'>, offender: Uint8Array, first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.length !== VOTE_EVIDENCE || second.length !== VOTE_EVIDENCE) throw moduleError(err.InvalidEquivocationProof)
  // The genesis hash, kind, set id and round must agree; the targets (hash, number) must differ.
  const round = first.subarray(0, 32 + 1 + 16)
  if (!u8aEq(round, second.subarray(0, 49)) || u8aEq(first.subarray(49, VOTE_PAYLOAD), second.subarray(49, VOTE_PAYLOAD))) {
    throw moduleError(err.InvalidEquivocationProof)
  }
  // Bound to this chain while the runtime still holds its genesis hash (BlockHash is pruned after BlockHashCount blocks).
  const genesis = BlockHash.get(ctx.state, 0)
  if (!genesis.every((b) => b === 0) && !u8aEq(genesis, first.subarray(0, 32))) throw moduleError(err.InvalidEquivocationProof)
  for (const evidence of [first, second]) {
    let valid = false
    try {
      valid = sr25519Verify(evidence.subarray(0, VOTE_PAYLOAD), evidence.subarray(VOTE_PAYLOAD), offender)
    } catch {
      valid = false
    }
    if (!valid) throw moduleError(err.InvalidEquivocationProof)
  }
  return round
}

/**
 * `report_equivocation`: verifies the evidence, refuses a report already made
 * (DuplicateEquivocationReport), and reports the offence in the active era with the kind's fraction.
 * The offender must be one of the session's validators.
 */
export function reportEquivocation(ctx: DispatchContext, reporter: Uint8Array, report: EquivocationReport): void {
  const { offender, kind, first, second } = report
  if (kind !== EquivocationKind.BLOCK && kind !== EquivocationKind.VOTE) throw moduleError(err.InvalidEquivocationProof)
  if (!SessionValidators.get(ctx.state).some((v) => sameAccount(v, offender))) throw moduleError(err.InvalidEquivocationProof)
  const identity = kind === EquivocationKind.BLOCK ? checkBlocks(offender, first, second) : checkVotes(ctx, offender, first, second)
  const key = blake2AsU8a(u8aConcat(offender, [kind], identity), 256)
  if (ReportedEquivocations.get(ctx.state, key) !== undefined) throw moduleError(err.DuplicateEquivocationReport)
  const era = ActiveEra.get(ctx.state)?.index ?? 0
  ReportedEquivocations.insert(ctx.state, key, era)
  reportOffence(ctx, [offender], EQUIVOCATION_SLASH_FRACTION[kind], era, [reporter])
  ctx.deposit(events.EquivocationReported, { offender, kind, reporter })
}
