/**
 * Who may author blocks and who votes on finality: the authority set a block's slot author is
 * drawn from, and the weighted voter set that finalizes blocks. Both are read from a block's state
 * (the set for blocks built on `parent`), so every node derives them from the chain itself.
 */
import { electedValidators } from '../pallets/staking/election.js'
import { ActiveEra } from '../pallets/staking/storage.js'
import { accountIdOf, type ChainSpec } from '../spec/chain-spec.js'
import type { BlockRecord, StateView } from './interface.js'

/** One finality voter: its account id (sr25519 public key) and its weight (stake). */
export interface Voter {
  id: Uint8Array
  weight: bigint
}

/**
 * The voters that finalize the blocks built on some block. `setId` names the set: it changes at each
 * era boundary (the active era index), so (setId, round) never repeats on one chain.
 */
export interface VoterSet {
  setId: number
  voters: Voter[]
  /** Sum of the voters' weights. */
  total: bigint
}

/** Provides the authorities and voters for blocks built on `parent`, from `parent`'s state. */
export interface AuthoritySet {
  /** Slot authors (sr25519 account ids, in slot order). */
  authoritiesFor(parent: BlockRecord, state: StateView): readonly Uint8Array[]
  /** The weighted finality voters. */
  votersFor(parent: BlockRecord, state: StateView): VoterSet
}

function voterSet(setId: number, voters: Voter[]): VoterSet {
  return { setId, voters, total: voters.reduce((sum, v) => sum + v.weight, 0n) }
}

/** The chain spec's genesis authorities for every block, equal weight, one voter set (id 0). */
export function genesisAuthorities(spec: ChainSpec): AuthoritySet {
  const authorities = spec.genesis.authorities.map(accountIdOf)
  const voters = voterSet(
    0,
    authorities.map((id) => ({ id, weight: 1n })),
  )
  return { authoritiesFor: () => authorities, votersFor: () => voters }
}

/**
 * GPoS eras: the staking pallet's elected validators and their exposures (capped stake) in the
 * active era of the parent block; the genesis validators with equal weight until an election has
 * elected anyone. A validator with zero exposure keeps weight 1 (it authors, and votes a little).
 */
export function eraAuthorities(): AuthoritySet {
  const cache = new Map<string, VoterSet>()
  const votersFor = (parent: BlockRecord, state: StateView): VoterSet => {
    const cached = cache.get(parent.hashHex)
    if (cached !== undefined) return cached
    const elected = electedValidators(state)
    const set = voterSet(
      ActiveEra.get(state)?.index ?? 0,
      elected.map((v) => ({ id: v.stash, weight: v.weight > 0n ? v.weight : 1n })),
    )
    if (cache.size > 2048) cache.clear()
    cache.set(parent.hashHex, set)
    return set
  }
  return { authoritiesFor: (parent, state) => votersFor(parent, state).voters.map((v) => v.id), votersFor }
}
