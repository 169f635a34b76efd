/** Who may author blocks: the authority set a block's slot author is drawn from. */
import { accountIdOf, type ChainSpec } from '../spec/chain-spec.js'
import type { BlockRecord } from './chain.js'

/**
 * Provides the authorities (sr25519 account ids, in slot order) for blocks built on `parent`.
 * Today the spec's genesis authorities; eras will supply the GPoS-elected set through this.
 */
export interface AuthoritySet {
  authoritiesFor(parent: BlockRecord): readonly Uint8Array[]
}

/** The chain spec's genesis authorities, for every block. */
export function genesisAuthorities(spec: ChainSpec): AuthoritySet {
  const authorities = spec.genesis.authorities.map(accountIdOf)
  return { authoritiesFor: () => authorities }
}
