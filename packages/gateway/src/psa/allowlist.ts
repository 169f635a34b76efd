import { normalizeSubstrateAddress } from '../auth/substrate.js'

/**
 * The accounts an allowlist names, as W3Auth names them: a Substrate entry, bare (any SS58 prefix
 * or hex) or as `substrate-<address>`, also counts as `substrate-0x<public key>`, so one key is
 * allowed whatever form the operator wrote and whatever form its user signs with.
 */
export function allowlistAccounts(entries: readonly string[]): Set<string> {
  const accounts = new Set<string>()
  for (const entry of entries) {
    accounts.add(entry)
    const bare = entry.startsWith('substrate-') ? entry.slice('substrate-'.length) : entry
    try {
      accounts.add(`substrate-${normalizeSubstrateAddress(bare)}`)
    } catch {
      // not a Substrate address (an Ethereum or Solana account): kept as written
    }
  }
  return accounts
}
