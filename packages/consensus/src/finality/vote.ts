/**
 * Finality votes: a voter's signed prevote or precommit for a block in one round of one voter set.
 * Signed payload: `genesis hash (32) ++ kind (u8: 0 prevote, 1 precommit) ++ set id (u64 LE) ++
 * round (u64 LE) ++ target hash (32) ++ target number (u32 LE)`, sr25519 by the voter's account key.
 * On the wire a vote is JSON with hex fields; `sent` (outside the signature) lets a voter re-gossip
 * the same vote (gossip drops repeated message ids).
 */
import { type BlockSigner, verifySr25519 } from '@crust-ts/chain'
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { ConsensusError, ConsensusErrorCode } from '../errors.js'

export type VoteKind = 'prevote' | 'precommit'

export interface Vote {
  kind: VoteKind
  setId: number
  round: number
  /** Target block hash (0x hex) and number. */
  hash: string
  number: number
}

export interface SignedVote extends Vote {
  /** The voter's account id (0x hex). */
  voter: string
  /** sr25519 signature of {@link votePayload} (0x hex). */
  signature: string
}

function le(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  const view = new DataView(out.buffer)
  if (bytes === 8) view.setBigUint64(0, BigInt(value), true)
  else view.setUint32(0, value, true)
  return out
}

/** The bytes a vote's signature covers (bound to the chain by its genesis hash). */
export function votePayload(vote: Vote, genesis: Uint8Array): Uint8Array {
  return u8aConcat(genesis, [vote.kind === 'prevote' ? 0 : 1], le(vote.setId, 8), le(vote.round, 8), hexToU8a(vote.hash), le(vote.number, 4))
}

export function signVote(vote: Vote, signer: BlockSigner, genesis: Uint8Array): SignedVote {
  const plain: Vote = { kind: vote.kind, setId: vote.setId, round: vote.round, hash: vote.hash, number: vote.number }
  return { ...plain, voter: u8aToHex(signer.publicKey), signature: u8aToHex(signer.sign(votePayload(plain, genesis))) }
}

export function verifyVote(vote: SignedVote, genesis: Uint8Array): boolean {
  try {
    // WASM: votes are the most frequent signatures a validator checks (every voter, two kinds, every round).
    return verifySr25519(votePayload(vote, genesis), hexToU8a(vote.signature), hexToU8a(vote.voter))
  } catch {
    return false
  }
}

const HASH = /^0x[0-9a-f]{64}$/
const SIG = /^0x[0-9a-f]{128}$/
const uint = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max

/** Checks the shape of a decoded vote (not its signature). */
export function asSignedVote(json: unknown): SignedVote {
  const v = json as Record<string, unknown>
  if (
    (v?.kind !== 'prevote' && v?.kind !== 'precommit') ||
    !uint(v.setId, Number.MAX_SAFE_INTEGER) ||
    !uint(v.round, Number.MAX_SAFE_INTEGER) ||
    typeof v.hash !== 'string' ||
    !HASH.test(v.hash) ||
    !uint(v.number, 0xffff_ffff) ||
    typeof v.voter !== 'string' ||
    !HASH.test(v.voter) ||
    typeof v.signature !== 'string' ||
    !SIG.test(v.signature)
  ) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'not a finality vote')
  }
  return { kind: v.kind, setId: v.setId, round: v.round, hash: v.hash, number: v.number, voter: v.voter, signature: v.signature }
}

export function encodeVoteMessage(vote: SignedVote): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...vote, sent: Date.now() }))
}

export function decodeVoteMessage(bytes: Uint8Array): SignedVote {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the vote is not JSON', undefined, { cause: err })
  }
  return asSignedVote(json)
}

/** Same target, round, set and kind. */
export const sameVote = (a: Vote, b: Vote): boolean =>
  a.kind === b.kind && a.setId === b.setId && a.round === b.round && a.hash === b.hash && a.number === b.number
