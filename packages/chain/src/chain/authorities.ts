/**
 * Who may author blocks and who votes on finality: the authority set a block's slot author is
 * drawn from, and the weighted voter set that finalizes blocks. Both are read from a block's state
 * (the set for blocks built on `parent`), so every node derives them from the chain itself.
 */
import { u8aToHex } from '@polkadot/util'
import { electedValidators } from '../pallets/staking/election.js'
import { ActiveKeys, KeysGeneration, voterSetId } from '../pallets/staking/session-keys.js'
import { ActiveEra } from '../pallets/staking/storage.js'
import { accountIdOf, type ChainSpec } from '../spec/chain-spec.js'
import type { BlockRecord, StateView } from './interface.js'

/** One finality voter: its finality key (sr25519 public key) and its weight (stake). */
export interface Voter {
  id: Uint8Array
  weight: bigint
}

/**
 * The voters that finalize the blocks built on some block. `setId` names the set: it changes at each
 * era boundary and whenever the session keys in force change (see {@link voterSetId}), so
 * (setId, round) never repeats on one chain.
 */
export interface VoterSet {
  setId: number
  voters: Voter[]
  /** Sum of the voters' weights. */
  total: bigint
}

/** Provides the authorities and voters for blocks built on `parent`, from `parent`'s state. */
export interface AuthoritySet {
  /** Slot authors' keys (sr25519 public keys, in slot order). */
  authoritiesFor(parent: BlockRecord, state: StateView): readonly Uint8Array[]
  /** The weighted finality voters. */
  votersFor(parent: BlockRecord, state: StateView): VoterSet
  /**
   * The account credited for a block sealed by slot key `key` (fees, authoring points): the
   * validator whose key it is; the key itself when absent or when it is no session key.
   */
  accountOf?(parent: BlockRecord, state: StateView, key: Uint8Array): Uint8Array
  /**
   * The same sets without any memo of earlier answers, so every call reads the state (an authority
   * proof records the trie nodes those reads touch); absent when the set reads no state.
   */
  uncached?(): AuthoritySet
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

interface EraSet {
  voters: VoterSet
  /** Slot keys in slot order. */
  authors: Uint8Array[]
  /** Slot key (hex) → validator account. */
  accounts: Map<string, Uint8Array>
}

/**
 * GPoS eras: the staking pallet's elected validators and their exposures (capped stake) in the
 * active era of the parent block; the genesis validators with equal weight until an election has
 * elected anyone. A validator with zero exposure keeps weight 1 (it authors, and votes a little).
 * Each validator authors with its Aura session key and votes with its grandpa session key in force
 * in the parent's session (Session `ActiveKeys`); one without session keys uses its account key.
 */
export function eraAuthorities(init: { /** Remember each block's sets (default); false reads the state every call. */ memo?: boolean } = {}): AuthoritySet {
  const memo = init.memo ?? true
  const cache = new Map<string, EraSet>()
  const setFor = (parent: BlockRecord, state: StateView): EraSet => {
    const cached = memo ? cache.get(parent.hashHex) : undefined
    if (cached !== undefined) return cached
    const elected = electedValidators(state)
    const keys = new Map(ActiveKeys.get(state).map(([stash, k]) => [u8aToHex(stash), k]))
    const keysOf = (stash: Uint8Array) => keys.get(u8aToHex(stash))
    const voters = voterSet(
      voterSetId(ActiveEra.get(state)?.index ?? 0, KeysGeneration.get(state)),
      elected.map((v) => ({ id: keysOf(v.stash)?.grandpa ?? v.stash, weight: v.weight > 0n ? v.weight : 1n })),
    )
    const authors = elected.map((v) => keysOf(v.stash)?.aura ?? v.stash)
    const accounts = new Map(elected.map((v, i) => [u8aToHex(authors[i]!), v.stash]))
    const set = { voters, authors, accounts }
    if (!memo) return set
    if (cache.size > 2048) cache.clear()
    cache.set(parent.hashHex, set)
    return set
  }
  return {
    authoritiesFor: (parent, state) => setFor(parent, state).authors,
    votersFor: (parent, state) => setFor(parent, state).voters,
    accountOf: (parent, state, key) => setFor(parent, state).accounts.get(u8aToHex(key)) ?? key,
    uncached: () => eraAuthorities({ memo: false }),
  }
}
