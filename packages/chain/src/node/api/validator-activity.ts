/**
 * What the validators did in a window of recent blocks, read from what the node stores: the blocks
 * each one authored (the Aura slot of each block's digest and the authority set of its parent, as
 * the import checked the seal) and the finality votes each one cast (the signed precommits in the
 * justifications stored with the window's finalized blocks). Finality votes are gossiped between
 * validators and never enter the chain's state, so no storage query can answer this; the session's
 * validators (`Session.Validators`) need not be the authors either (a single-authority dev chain
 * keeps its genesis authority while the election names others). Read-only: `crust_validatorActivity`.
 */
import { u8aToHex } from '@polkadot/util'
import { encodeAddress } from '@polkadot/util-crypto'
import type { BlockRecord, Chain } from '../../chain/index.js'
import { findSlot, slotAuthor } from '../../primitives/aura.js'

/** Blocks a window spans by default, and at most (each block reads its header and justification). */
export const ACTIVITY_WINDOW_DEFAULT = 100
export const ACTIVITY_WINDOW_MAX = 1000

export interface ValidatorActivityEntry {
  /** The validator's account (SS58). */
  account: string
  /** Blocks of the window it authored, and the last one's number. */
  authored: number
  lastAuthored: number | null
  /** Precommits it signed among the justifications of the window's finalized blocks, and the last block they finalized. */
  precommits: number
  lastPrecommit: number | null
  /** It is in the authority set or the voter set for blocks built on the window's last block. */
  current: boolean
}

export interface ValidatorActivity {
  /** The window's last block. */
  at: { number: number; hash: string }
  /** The window's first block (its blocks are `from`…`at.number`, on `at`'s chain). */
  from: number
  /** The node's finalized block when it answered. */
  finalized: number
  /** Finalized blocks of the window that carry a justification (the rest were finalized as their ancestors). */
  justified: number
  /** Blocks of the window whose author could not be told (no Aura slot, or the parent's state is pruned). */
  unknownAuthors: number
  validators: ValidatorActivityEntry[]
}

/** The precommits' voters of a stored justification (the consensus package writes it as JSON). */
function precommitVoters(bytes: Uint8Array): string[] {
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes)) as { precommits?: Array<{ voter?: unknown; kind?: unknown }> }
    return (j.precommits ?? []).filter((p) => p.kind === 'precommit' && typeof p.voter === 'string').map((p) => (p.voter as string).toLowerCase())
  } catch {
    return []
  }
}

function authorOf(chain: Chain, block: BlockRecord): Uint8Array | undefined {
  const parent = chain.blockByHash(block.header.parentHash)
  const slot = findSlot(block.header)
  if (parent === undefined || slot === undefined) return undefined
  try {
    return chain.authorAccount(parent, slotAuthor(slot, chain.authoritiesFor(parent)))
  } catch {
    // The parent's state is pruned (a state-reading authority set), or the set is empty.
    return undefined
  }
}

/** The activity of the `window` blocks ending at `at` (at most down to block 1). */
export function validatorActivity(chain: Chain, at: BlockRecord, window: number, ss58Format: number): ValidatorActivity {
  const rows = new Map<string, ValidatorActivityEntry>()
  const row = (id: string): ValidatorActivityEntry => {
    let r = rows.get(id)
    if (r === undefined) {
      r = { account: encodeAddress(id, ss58Format), authored: 0, lastAuthored: null, precommits: 0, lastPrecommit: null, current: false }
      rows.set(id, r)
    }
    return r
  }
  try {
    for (const id of chain.authoritiesFor(at)) row(u8aToHex(chain.authorAccount(at, id))).current = true
    for (const v of chain.votersFor(at).voters) row(u8aToHex(v.id)).current = true
  } catch {
    // `at`'s state is pruned: the window's figures still stand.
  }
  const finalized = chain.finalized.number
  let justified = 0
  let unknownAuthors = 0
  let from = at.number
  let cur: BlockRecord | undefined = at
  for (let seen = 0; cur !== undefined && cur.number > 0 && seen < window; seen++) {
    from = cur.number
    const author = authorOf(chain, cur)
    if (author === undefined) unknownAuthors++
    else {
      const r = row(u8aToHex(author))
      r.authored++
      r.lastAuthored ??= cur.number
    }
    const justification = cur.number <= finalized ? chain.justificationOf(cur.hash) : undefined
    if (justification !== undefined) {
      justified++
      for (const voter of new Set(precommitVoters(justification))) {
        const r = row(voter)
        r.precommits++
        r.lastPrecommit ??= cur.number
      }
    }
    cur = chain.blockByHash(cur.header.parentHash)
  }
  return {
    at: { number: at.number, hash: at.hashHex },
    from,
    finalized,
    justified,
    unknownAuthors,
    validators: [...rows.values()].sort((a, b) => b.authored - a.authored || b.precommits - a.precommits || a.account.localeCompare(b.account)),
  }
}
