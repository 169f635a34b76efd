/**
 * Equivocation reports (not in Crust, whose runtime takes them from BABE/GRANDPA's offence
 * reports): anyone proves that a validator signed two different blocks for one Aura slot, or two
 * different finality votes of one kind in one round of one voter set; the offence goes to the
 * offences pallet (de-duplicated per kind, time slot and offender; Substrate's equivocation
 * fraction for the number of offenders in the time slot), which hands it to staking's slashing.
 *
 * Evidence, both items of one kind:
 * - block (kind 0): the two SCALE-encoded sealed headers;
 * - vote (kind 1): the vote's signed payload then its 64-byte signature, i.e.
 *   `genesis (32) ++ vote kind (u8) ++ set id (u64 LE) ++ round (u64 LE) ++ target hash (32) ++
 *   target number (u32 LE) ++ signature (64)` (see the consensus package's finality votes).
 *
 * Evidence is bound to this chain, its time and its authorities:
 * - this chain: a vote signs the genesis hash, which must be ours; a block's seal covers its parent
 *   hash, which must be the hash this chain stored for the block before it (`System.BlockHash`),
 *   so headers of another chain (a testnet reusing a validator key) never match. Both headers must
 *   link: their slot is the same on any chain with the same block time, so one header of ours and
 *   one of a testnet would otherwise pass. (Twin blocks built on a parent that left the chain
 *   cannot be proven then; an equivocating author builds both on its best block.)
 * - its time: the offence era (a block's: the era of its parent's state, whose authorities sealed
 *   it; a vote's: its voter set id, which is the era) is at most MAX_OFFENCE_AGE_ERAS old, and a
 *   block at most BlockHashCount blocks old (older parent hashes are no longer stored);
 * - its authorities: the offender is in the era's authority set (ErasAuthorities).
 */
import { u8aConcat, u8aEq } from '@polkadot/util'
import { sr25519Verify } from '@polkadot/util-crypto'
import { findSlot, unsealHeader, verifySeal } from '../../primitives/aura.js'
import { decodeHeader, type Header, hashHeader } from '../../primitives/header.js'
import { type DispatchContext, moduleError } from '../../frame/pallet.js'
import { BLOCK_EQUIVOCATION, isKnownOffence, type OffenceKind, reportOffence, VOTE_EQUIVOCATION } from '../offences/index.js'
import { BlockHash } from '../system.js'
import { MAX_OFFENCE_AGE_ERAS } from './constants.js'
import { sessionTiming } from './era.js'
import { events, stakingErrors as err } from './errors.js'
import { stakingOnOffence } from './slashing.js'
import { activeOwnerOf, eraOfSetId, keyOwnerOf } from './session-keys.js'
import { ActiveEra, BondedEras, ErasAuthorities, sameAccount } from './storage.js'

export const EquivocationKind = { BLOCK: 0, VOTE: 1 } as const
export type EquivocationKind = (typeof EquivocationKind)[keyof typeof EquivocationKind]

const VOTE_PAYLOAD = 32 + 1 + 8 + 8 + 32 + 4
const VOTE_EVIDENCE = VOTE_PAYLOAD + 64

export interface EquivocationReport {
  offender: Uint8Array
  kind: number
  first: Uint8Array
  second: Uint8Array
}

/** A verified equivocation: its offence kind, time slot (SCALE) and era. */
interface Proven {
  kind: OffenceKind
  timeSlot: Uint8Array
  era: number
}

/** The vote evidence of one signed vote: its payload (with the genesis hash) then its signature. */
export const voteEvidence = (payload: Uint8Array, signature: Uint8Array): Uint8Array => u8aConcat(payload, signature)

const u32le = (value: number) => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value, true)
  return out
}

/** Refuses an offence of `era` that is in the future or older than MAX_OFFENCE_AGE_ERAS. */
function ensureRecent(ctx: DispatchContext, era: number): void {
  const active = ActiveEra.get(ctx.state)?.index ?? 0
  if (era > active) throw moduleError(err.EquivocationFromOtherChain)
  if (active - era > MAX_OFFENCE_AGE_ERAS) throw moduleError(err.StaleEquivocation)
}

/** The session and era whose authorities sealed block `number`: those of its parent's state. */
function sessionOfBlock(ctx: DispatchContext, number: number): { session: number; era: number } {
  const session = Math.floor((number - 1) / sessionTiming(ctx.config).sessionLength)
  let era: number | undefined
  for (const [e, start] of BondedEras.get(ctx.state)) if (start <= session) era = e
  // Before the bonding window: far older than any reportable offence.
  if (era === undefined) throw moduleError(err.StaleEquivocation)
  return { session, era }
}

function decodeSealed(offender: Uint8Array, bytes: Uint8Array): { header: Header; slot: number } {
  let header: Header
  try {
    header = decodeHeader(bytes)
  } catch {
    throw moduleError(err.InvalidEquivocationProof)
  }
  const slot = findSlot(header)
  const sealed = unsealHeader(header)
  if (slot === undefined || sealed === undefined || !verifySeal(sealed.preHeader, sealed.signature, offender)) throw moduleError(err.InvalidEquivocationProof)
  return { header, slot }
}

/** Two sealed headers of one slot by the offender, both children of blocks of this chain. */
function checkBlocks(ctx: DispatchContext, offender: Uint8Array, first: Uint8Array, second: Uint8Array): Proven {
  const a = decodeSealed(offender, first)
  const b = decodeSealed(offender, second)
  if (a.slot !== b.slot || u8aEq(hashHeader(first), hashHeader(second))) throw moduleError(err.InvalidEquivocationProof)
  const [sa, sb] = [a, b].map(({ header }) => {
    if (header.number < 1 || header.number > ctx.blockNumber) throw moduleError(err.EquivocationFromOtherChain)
    const at = sessionOfBlock(ctx, header.number)
    ensureRecent(ctx, at.era)
    // The parent's hash is stored for the last BlockHashCount blocks (and genesis' forever).
    const parent = header.number - 1
    if (parent !== 0 && ctx.blockNumber - parent > ctx.config.blockHashCount) throw moduleError(err.StaleEquivocation)
    if (!u8aEq(BlockHash.get(ctx.state, parent), header.parentHash)) throw moduleError(err.EquivocationFromOtherChain)
    return at
  })
  if (sa!.session !== sb!.session) throw moduleError(err.InvalidEquivocationProof)
  return { kind: BLOCK_EQUIVOCATION, timeSlot: u32le(sa!.session), era: sa!.era }
}

/** Two votes of one voter in one round of this chain's voter set, for different targets. */
function checkVotes(ctx: DispatchContext, offender: Uint8Array, first: Uint8Array, second: Uint8Array): Proven {
  if (first.length !== VOTE_EVIDENCE || second.length !== VOTE_EVIDENCE) throw moduleError(err.InvalidEquivocationProof)
  // The genesis hash, kind, set id and round must agree; the targets (hash, number) must differ.
  const round = first.subarray(0, 32 + 1 + 16)
  if (!u8aEq(round, second.subarray(0, 49)) || u8aEq(first.subarray(49, VOTE_PAYLOAD), second.subarray(49, VOTE_PAYLOAD))) {
    throw moduleError(err.InvalidEquivocationProof)
  }
  for (const evidence of [first, second]) {
    let valid = false
    try {
      valid = sr25519Verify(evidence.subarray(0, VOTE_PAYLOAD), evidence.subarray(VOTE_PAYLOAD), offender)
    } catch {
      valid = false
    }
    if (!valid) throw moduleError(err.InvalidEquivocationProof)
  }
  // Signed for this chain: the genesis hash (System keeps block 0's hash for ever; a harness
  // without a stored genesis hash skips the check).
  const genesis = BlockHash.get(ctx.state, 0)
  if (!genesis.every((b) => b === 0) && !u8aEq(genesis, first.subarray(0, 32))) throw moduleError(err.EquivocationFromOtherChain)
  // The voter set id holds the era whose validators vote in its low 32 bits (consensus `eraAuthorities`).
  const setId = new DataView(first.buffer, first.byteOffset + 33, 8).getBigUint64(0, true)
  const era = eraOfSetId(setId)
  ensureRecent(ctx, era)
  // Time slot: (set id, round), as GRANDPA's.
  return { kind: VOTE_EQUIVOCATION, timeSlot: first.slice(33, 49), era }
}

/**
 * `report_equivocation`: verifies the evidence (InvalidEquivocationProof, EquivocationFromOtherChain,
 * StaleEquivocation), that the offender was an authority of the offence era (NotAnAuthority), refuses
 * an offence already reported (DuplicateEquivocationReport), and reports it to the offences pallet,
 * the reporter credited.
 */
export function reportEquivocation(ctx: DispatchContext, reporter: Uint8Array, report: EquivocationReport): void {
  const { offender, kind, first, second } = report
  if (kind !== EquivocationKind.BLOCK && kind !== EquivocationKind.VOTE) throw moduleError(err.InvalidEquivocationProof)
  const proven = kind === EquivocationKind.BLOCK ? checkBlocks(ctx, offender, first, second) : checkVotes(ctx, offender, first, second)
  // The evidence is signed with a session key (Aura for blocks, grandpa for votes): the offender is
  // the validator whose key it is (in force now, else registered), or the key's own account.
  const role = kind === EquivocationKind.BLOCK ? 'aura' : 'grandpa'
  const validator = activeOwnerOf(ctx.state, role, offender) ?? keyOwnerOf(ctx.state, role, offender) ?? offender
  const authorities = ErasAuthorities.get(ctx.state, proven.era)
  if (!authorities.some((v) => sameAccount(v, validator))) throw moduleError(err.NotAnAuthority)
  if (isKnownOffence(ctx.state, proven.kind, proven.timeSlot, validator)) throw moduleError(err.DuplicateEquivocationReport)
  const offence = { kind: proven.kind, timeSlot: proven.timeSlot, offenders: [validator], era: proven.era, validatorSetCount: authorities.length }
  const result = reportOffence(ctx, [reporter], offence, stakingOnOffence)
  if (result.status === 'duplicate') throw moduleError(err.DuplicateEquivocationReport)
  ctx.deposit(events.EquivocationReported, { offender: validator, kind, reporter })
}
