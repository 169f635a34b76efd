/**
 * A justification: the precommits of one round that give a block a supermajority (each for the
 * block or a descendant), with the headers linking those descendants down to it, so a node that
 * never saw the votes (syncing, or partitioned away) can check the finality itself. JSON on the wire
 * and in the database.
 */
import { type BlockRecord, type Chain, decodeHeader, hashHeader, type VoterSet } from '@crust-ts/chain'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { ConsensusError, ConsensusErrorCode } from '../errors.js'
import { hexOf, supermajority } from './tally.js'
import { asSignedVote, type SignedVote, verifyVote } from './vote.js'

export interface Justification {
  setId: number
  round: number
  /** The finalized block. */
  hash: string
  number: number
  precommits: SignedVote[]
  /** Headers (0x hex) from the precommit targets down to (not including) the finalized block. */
  ancestry: string[]
}

/** Builds the justification of `target` from a round's precommits. */
export function buildJustification(chain: Chain, set: VoterSet, round: number, target: BlockRecord, precommits: Iterable<SignedVote>): Justification {
  const included: SignedVote[] = []
  const ancestry = new Map<string, string>()
  for (const vote of precommits) {
    let cur = chain.blockByHash(hexToU8a(vote.hash))
    const path: BlockRecord[] = []
    while (cur !== undefined && cur.number > target.number) {
      path.push(cur)
      cur = chain.blockByHash(cur.header.parentHash)
    }
    if (cur === undefined || cur.hashHex !== target.hashHex) continue
    included.push(vote)
    for (const b of path) ancestry.set(b.hashHex, u8aToHex(chain.headerBytesOf(b.hash)!))
  }
  return { setId: set.setId, round, hash: target.hashHex, number: target.number, precommits: included, ancestry: [...ancestry.values()] }
}

export const encodeJustification = (j: Justification): Uint8Array => new TextEncoder().encode(JSON.stringify(j))

export function decodeJustification(bytes: Uint8Array): Justification {
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes)) as Justification
    if (!Number.isInteger(j.setId) || !Number.isInteger(j.round) || typeof j.hash !== 'string' || !Number.isInteger(j.number))
      throw new TypeError('not a justification')
    if (!Array.isArray(j.precommits) || !Array.isArray(j.ancestry)) throw new TypeError('not a justification')
    return { ...j, precommits: j.precommits.map(asSignedVote), ancestry: j.ancestry.map(String) }
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the justification does not decode', undefined, { cause: err })
  }
}

/**
 * Checks a justification against the voter set `set`: every counted precommit is for this set and
 * round, signed by a distinct voter of the set, for the block or a descendant (through the chain or
 * the ancestry headers); together they hold more than 2/3 of the set's weight. Throws
 * {@link ConsensusError} `BAD_JUSTIFICATION`.
 */
export function verifyJustification(chain: Chain, set: VoterSet, j: Justification): void {
  const fail = (why: string): never => {
    throw new ConsensusError(ConsensusErrorCode.BAD_JUSTIFICATION, `bad justification for block ${j.number} ${j.hash}: ${why}`)
  }
  if (j.setId !== set.setId) fail(`voter set ${j.setId}, expected ${set.setId}`)
  const parents = new Map<string, { parent: string; number: number }>()
  for (const hex of j.ancestry) {
    try {
      const bytes = hexToU8a(hex)
      const header = decodeHeader(bytes)
      parents.set(u8aToHex(hashHeader(bytes)), { parent: u8aToHex(header.parentHash), number: header.number })
    } catch {
      fail('an ancestry header does not decode')
    }
  }
  const weights = new Map(set.voters.map((v) => [hexOf(v.id), v.weight]))
  const genesis = chain.genesis.hash
  const seen = new Set<string>()
  let weight = 0n
  for (const vote of j.precommits) {
    if (vote.kind !== 'precommit' || vote.setId !== j.setId || vote.round !== j.round) fail('a vote of another kind, set or round')
    const w = weights.get(vote.voter)
    if (w === undefined) fail(`${vote.voter} is not a voter`)
    if (seen.has(vote.voter)) fail(`two precommits of ${vote.voter}`)
    if (!verifyVote(vote, genesis)) fail(`bad signature of ${vote.voter}`)
    let hash = vote.hash
    let number = vote.number
    for (let steps = 0; number > j.number && steps < 1_000_000; steps++) {
      const link = parents.get(hash)
      if (link !== undefined) {
        hash = link.parent
        number = link.number - 1
        continue
      }
      const known = chain.blockByHash(hexToU8a(hash))
      if (known === undefined) break
      hash = u8aToHex(known.header.parentHash)
      number = known.number - 1
    }
    if (number !== j.number || hash !== j.hash) fail(`the precommit of ${vote.voter} is not for the block or a descendant`)
    seen.add(vote.voter)
    weight += w!
  }
  if (!supermajority(weight, set.total)) fail(`precommits hold ${weight} of ${set.total}`)
}
