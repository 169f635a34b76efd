/**
 * The votes of one kind in one round, and the GRANDPA arithmetic on them: the weight each block
 * gets from votes for it or its descendants, the GHOST (highest block with a supermajority, i.e.
 * more than 2/3 of the set's weight), and the upper bound of what a block could still reach.
 * An equivocating voter (two different votes in the round) counts for every block, as in GRANDPA;
 * so does a vote for a block this node does not know yet, when bounding from above.
 */
import type { BlockRecord, VoterSet } from '@crust-ts/chain'
import { hexToU8a } from '@polkadot/util'
import type { SignedVote } from './vote.js'

/** Block lookups the tally needs (the chain). */
export interface BlockLookup {
  blockByHash(hash: Uint8Array): BlockRecord | undefined
}

export const supermajority = (weight: bigint, total: bigint): boolean => weight * 3n > total * 2n

export type AddResult = 'new' | 'duplicate' | 'equivocation' | 'unknown-voter'

export class VoteTally {
  /** Each voter's first vote. */
  readonly votes = new Map<string, SignedVote>()
  /** Voters with two different votes: both votes (the evidence). */
  readonly equivocations = new Map<string, [SignedVote, SignedVote]>()
  private readonly weights: Map<string, bigint>

  constructor(readonly set: VoterSet) {
    this.weights = new Map(set.voters.map((v) => [hexOf(v.id), v.weight]))
  }

  weightOf(voter: string): bigint {
    return this.weights.get(voter) ?? 0n
  }

  add(vote: SignedVote): AddResult {
    if (!this.weights.has(vote.voter)) return 'unknown-voter'
    const first = this.votes.get(vote.voter)
    if (first === undefined) {
      this.votes.set(vote.voter, vote)
      return 'new'
    }
    if (first.hash === vote.hash && first.number === vote.number) return 'duplicate'
    if (this.equivocations.has(vote.voter)) return 'duplicate'
    this.equivocations.set(vote.voter, [first, vote])
    return 'equivocation'
  }

  /** Weight of voters that have voted (equivocators included). */
  votedWeight(): bigint {
    let w = 0n
    for (const voter of this.votes.keys()) w += this.weightOf(voter)
    return w
  }

  private equivocatedWeight(): bigint {
    let w = 0n
    for (const voter of this.equivocations.keys()) w += this.weightOf(voter)
    return w
  }

  /**
   * Weight per block from `base` upwards: each known vote target that descends from `base` adds
   * its voter's weight to it and to its ancestors down to `base`. Also returns the weight of votes
   * for unknown blocks, and the children of each counted block.
   */
  private support(chain: BlockLookup, base: BlockRecord) {
    const weight = new Map<string, bigint>()
    const blocks = new Map<string, BlockRecord>()
    const children = new Map<string, Set<string>>()
    let unknown = 0n
    for (const [voter, vote] of this.votes) {
      if (this.equivocations.has(voter)) continue
      const w = this.weightOf(voter)
      let cur = chain.blockByHash(hexToU8a(vote.hash))
      if (cur === undefined) {
        unknown += w
        continue
      }
      const path: BlockRecord[] = []
      while (cur !== undefined && cur.number > base.number) {
        path.push(cur)
        cur = chain.blockByHash(cur.header.parentHash)
      }
      if (cur === undefined || cur.hashHex !== base.hashHex) continue
      path.push(base)
      for (let i = 0; i < path.length; i++) {
        const b = path[i]!
        weight.set(b.hashHex, (weight.get(b.hashHex) ?? 0n) + w)
        blocks.set(b.hashHex, b)
        if (i > 0) {
          const parent = path[i]!.hashHex
          const set = children.get(parent) ?? new Set<string>()
          set.add(path[i - 1]!.hashHex)
          children.set(parent, set)
        }
      }
    }
    return { weight, blocks, children, unknown, equivocated: this.equivocatedWeight() }
  }

  /** The highest block at or above `base` that votes give a supermajority (undefined if none). */
  ghost(chain: BlockLookup, base: BlockRecord): BlockRecord | undefined {
    const s = this.support(chain, base)
    const total = this.set.total
    const ok = (hex: string) => supermajority((s.weight.get(hex) ?? 0n) + s.equivocated, total)
    if (!ok(base.hashHex)) return undefined
    let cur = base
    for (;;) {
      const next = [...(s.children.get(cur.hashHex) ?? [])].filter(ok).sort((a, b) => {
        const d = (s.weight.get(b) ?? 0n) - (s.weight.get(a) ?? 0n)
        return d > 0n ? 1 : d < 0n ? -1 : a < b ? -1 : 1
      })[0]
      if (next === undefined) return cur
      cur = s.blocks.get(next)!
    }
  }

  /**
   * What the votes could still give `block` (a block on the chain from `base`): its support, plus
   * equivocators, votes for unknown blocks and voters that have not voted.
   */
  private possibleFor(s: ReturnType<VoteTally['support']>, hex: string): bigint {
    const notVoted = this.set.total - this.votedWeight()
    return (s.weight.get(hex) ?? 0n) + s.equivocated + s.unknown + notVoted
  }

  /**
   * GRANDPA's estimate: the highest ancestor (or self) of `g` between `base` and `g` that could
   * still get a supermajority of these (precommit) votes; and whether the round is completable
   * (a supermajority has voted and either the estimate is below `g` or no child of `g` could
   * still reach a supermajority).
   */
  estimate(chain: BlockLookup, base: BlockRecord, g: BlockRecord): { estimate: BlockRecord; completable: boolean } {
    const s = this.support(chain, base)
    const total = this.set.total
    let cur: BlockRecord | undefined = g
    while (cur !== undefined && cur.number > base.number && !supermajority(this.possibleFor(s, cur.hashHex), total)) {
      cur = chain.blockByHash(cur.header.parentHash)
    }
    const estimate = cur !== undefined && cur.number >= base.number ? cur : base
    if (!supermajority(this.votedWeight(), total)) return { estimate, completable: false }
    if (estimate.number < g.number) return { estimate, completable: true }
    const kids = [...(s.children.get(g.hashHex) ?? [])]
    const childCould = kids.length === 0 ? supermajority(this.possibleFor(s, ''), total) : kids.some((k) => supermajority(this.possibleFor(s, k), total))
    return { estimate, completable: !childCould }
  }
}

export const hexOf = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`
