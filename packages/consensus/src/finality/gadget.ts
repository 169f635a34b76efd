/**
 * The finality gadget (GRANDPA, simplified): voters of the finalized block's voter set run rounds.
 * In round r a voter prevotes the best block on the chain containing its estimate of round r-1
 * (never past the block where the voter set changes), then precommits the GHOST of the prevotes
 * once that has a supermajority and contains the estimate; any block with a supermajority of one
 * round's precommits is final (`Chain.finalize`, with the precommits as its justification). The
 * round ends when it is completable (GRANDPA's condition), a block time after it started, or a
 * quarter of that when a newer block waits to be voted on; a node that sees a later round completable jumps to it (catch-up after a restart or a
 * partition). Own votes are persisted before they are sent, so a restart never equivocates.
 * Votes are re-gossiped every block time so that late or partitioned peers get them.
 */
import { EventEmitter } from 'node:events'
import { type BlockRecord, type BlockSigner, type Chain, type SigningKeys, staking, type VoterSet } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a } from '@polkadot/util'
import { ConsensusError, ConsensusErrorCode } from '../errors.js'
import { buildJustification, decodeJustification, encodeJustification, type Justification, verifyJustification } from './justification.js'
import { hexOf, VoteTally } from './tally.js'
import { type SignedVote, signVote, type Vote, type VoteKind, verifyVote } from './vote.js'

/** What the gadget needs from the network. */
export interface FinalityNetwork {
  publishVote(vote: SignedVote): void
}

export interface FinalityGadgetComponents {
  chain: Chain
  network: FinalityNetwork
  logger: ComponentLogger
  /**
   * Fetches a block a vote targets that this node does not have (sync), from the peer that
   * relayed the vote first when known. Without the blocks voted for, a voter cannot see a
   * supermajority on a chain (a fork it never imported, e.g. the other side's after a partition).
   */
  requestBlock?(hash: string, from?: PeerId): void
}

export interface FinalityGadgetInit {
  /** A fixed voter key (tests); without it or `keys` the node only follows (finalizes from others' precommits). */
  signer?: BlockSigner
  /** The node's session keys: it votes with the grandpa (`gran`) key it holds among the set's voters. */
  keys?: SigningKeys
  blockTimeMs: number
}

export interface FinalityGadgetEvents {
  /** A block finalized by this node's view of a round's precommits. */
  finalized: [block: BlockRecord, justification: Justification]
  /** A voter signed two different votes of one kind in one round: both votes. */
  equivocation: [first: SignedVote, second: SignedVote]
}

/** What a peer's vote was to the gadget (the gossip validator maps it to accept/ignore/reject). */
export type VoteVerdict = 'accept' | 'ignore' | 'reject'

interface RoundState {
  round: number
  prevotes: VoteTally
  precommits: VoteTally
  started: number
  prevote?: SignedVote
  precommit?: SignedVote
}

const VOTES_META = 'finality.votes'
/** The voter's current round: `{ setId, round, estimate }` (JSON; estimate = block hash hex). */
const ROUND_META = 'finality.round'
/** Rounds ahead of the current one that votes are kept for (catch-up), at most. */
const MAX_ROUNDS_AHEAD = 256

export class FinalityGadget extends EventEmitter<FinalityGadgetEvents> {
  private readonly log: Logger
  private set!: VoterSet
  private current = 1
  private estimate!: BlockRecord
  private readonly rounds = new Map<number, RoundState>()
  private timer: NodeJS.Timeout | undefined
  private ticks = 0
  private evaluating = false
  private again = false
  private own: Array<{ setId: number; round: number; kind: VoteKind; vote: SignedVote }> = []
  private readonly onBlock = () => this.evaluate()
  private readonly onFinalized = (block: BlockRecord) => this.finalizedMoved(block)

  constructor(
    private readonly components: FinalityGadgetComponents,
    private readonly init: FinalityGadgetInit,
  ) {
    super()
    this.log = components.logger.forComponent('consensus:finality')
  }

  get setId(): number {
    return this.set.setId
  }

  get round(): number {
    return this.current
  }

  /** Whether this node's key votes in the current set. */
  get voting(): boolean {
    const signer = this.signer()
    const me = signer === undefined ? undefined : hexOf(signer.publicKey)
    return me !== undefined && this.set.voters.some((v) => hexOf(v.id) === me)
  }

  start(): void {
    const { chain } = this.components
    this.enterSet(chain.finalized)
    this.loadOwnVotes()
    this.loadRound()
    chain.on('block', this.onBlock)
    chain.on('finalized', this.onFinalized)
    const tick = Math.max(50, Math.floor(this.init.blockTimeMs / 4))
    this.timer = setInterval(() => {
      this.ticks++
      if (this.ticks % 4 === 0) {
        this.rebroadcast()
        this.fetchVotedBlocks()
      }
      this.evaluate()
    }, tick)
    this.timer.unref()
    this.evaluate()
  }

  stop(): void {
    const { chain } = this.components
    if (this.timer !== undefined) clearInterval(this.timer)
    chain.off('block', this.onBlock)
    chain.off('finalized', this.onFinalized)
  }

  /** Handles a gossiped vote (`from`: the peer that relayed it). */
  onVote(vote: SignedVote, from?: PeerId): VoteVerdict {
    if (vote.setId !== this.set.setId) return 'ignore'
    if (vote.round + 2 < this.current || vote.round > this.current + MAX_ROUNDS_AHEAD) return 'ignore'
    const rs = this.roundState(vote.round)
    const tally = vote.kind === 'prevote' ? rs.prevotes : rs.precommits
    const known = tally.votes.get(vote.voter)
    if (known !== undefined && known.hash === vote.hash && known.number === vote.number) return 'ignore'
    if (tally.weightOf(vote.voter) === 0n) return 'reject'
    if (!verifyVote(vote, this.components.chain.genesis.hash)) return 'reject'
    const result = tally.add(vote)
    if (this.components.chain.blockByHash(hexToU8a(vote.hash)) === undefined) this.components.requestBlock?.(vote.hash, from)
    if (result === 'equivocation') {
      const [first, second] = tally.equivocations.get(vote.voter)!
      this.log.warn({ voter: vote.voter, kind: vote.kind, round: vote.round, setId: vote.setId, first: first.hash, second: second.hash }, 'vote equivocation')
      this.emit('equivocation', first, second)
    }
    this.evaluate()
    return result === 'new' || result === 'equivocation' ? 'accept' : 'ignore'
  }

  /**
   * Verifies a justification (from sync) against the voters of this node's finalized block and
   * finalizes its block. Returns false when the block is unknown here; throws
   * {@link ConsensusError} `BAD_JUSTIFICATION` when it proves nothing.
   */
  importJustification(bytes: Uint8Array): boolean {
    const { chain } = this.components
    const j = decodeJustification(bytes)
    const block = chain.blockByHash(Buffer.from(j.hash.slice(2), 'hex'))
    if (block === undefined) return false
    const finalized = chain.finalized
    if (block.number <= finalized.number) return chain.isAncestor(block, finalized)
    const set = chain.votersFor(finalized)
    verifyJustification(chain, set, j)
    if (this.changeBelow(block, set.setId) !== undefined) {
      throw new ConsensusError(ConsensusErrorCode.BAD_JUSTIFICATION, `block ${j.number} is past a voter set change`)
    }
    chain.finalize(block.hash, bytes)
    if (j.setId === this.set.setId && j.round >= this.current) this.moveTo(j.round + 1, block)
    return true
  }

  /** The first block above the finalized one, up to `block`, whose voter set differs from `setId`. */
  private changeBelow(block: BlockRecord, setId: number): BlockRecord | undefined {
    const { chain } = this.components
    const path: BlockRecord[] = []
    let cur: BlockRecord | undefined = block
    while (cur !== undefined && cur.number > chain.finalized.number) {
      path.push(cur)
      cur = chain.blockByHash(cur.header.parentHash)
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const b = path[i]!
      if (chain.votersFor(b).setId !== setId) return i === 0 ? undefined : b
    }
    return undefined
  }

  /** This node's voter key in the current set: the fixed one, else the session key it holds. */
  private signer(): BlockSigner | undefined {
    if (this.init.signer !== undefined) return this.init.signer
    const keys = this.init.keys
    if (keys === undefined) return undefined
    for (const voter of this.set.voters) {
      const signer = keys.signer(staking.KEY_TYPES.grandpa, voter.id)
      if (signer !== undefined) return signer
    }
    return undefined
  }

  private enterSet(base: BlockRecord): void {
    this.set = this.components.chain.votersFor(base)
    this.rounds.clear()
    this.current = 1
    this.estimate = base
    this.log.info({ setId: this.set.setId, voters: this.set.voters.length, base: base.number }, 'voter set')
  }

  private finalizedMoved(block: BlockRecord): void {
    const next = this.components.chain.votersFor(block)
    if (next.setId !== this.set.setId) {
      this.enterSet(block)
      return
    }
    if (block.number > this.estimate.number) this.estimate = block
  }

  private roundState(round: number): RoundState {
    let rs = this.rounds.get(round)
    if (rs === undefined) {
      rs = { round, prevotes: new VoteTally(this.set), precommits: new VoteTally(this.set), started: Date.now() }
      this.rounds.set(round, rs)
    }
    return rs
  }

  private moveTo(round: number, estimate: BlockRecord): void {
    if (round <= this.current) return
    this.current = round
    const { chain } = this.components
    this.estimate = estimate.number >= chain.finalized.number ? estimate : chain.finalized
    const rs = this.roundState(round)
    rs.started = Date.now()
    for (const r of this.rounds.keys()) if (r + 2 < round) this.rounds.delete(r)
    this.saveRound()
    this.log.debug({ round, estimate: this.estimate.number }, 'round')
  }

  /** Persists the current round and its estimate, so a restarted voter rejoins where it was. */
  private saveRound(): void {
    const state = { setId: this.set.setId, round: this.current, estimate: this.estimate.hashHex }
    this.components.chain.db.commitHead({ meta: { [ROUND_META]: new TextEncoder().encode(JSON.stringify(state)) } })
  }

  /** Resumes the persisted round of this voter set (if later than the one its own votes give). */
  private loadRound(): void {
    const { chain } = this.components
    const bytes = chain.db.getMeta(ROUND_META)
    if (bytes === undefined) return
    let saved: { setId?: unknown; round?: unknown; estimate?: unknown }
    try {
      saved = JSON.parse(new TextDecoder().decode(bytes)) as typeof saved
    } catch {
      return
    }
    if (saved.setId !== this.set.setId || typeof saved.round !== 'number' || !Number.isSafeInteger(saved.round) || saved.round < this.current) return
    this.current = saved.round
    this.roundState(this.current)
    const estimate = typeof saved.estimate === 'string' && /^0x[0-9a-f]{64}$/.test(saved.estimate) ? chain.blockByHash(hexToU8a(saved.estimate)) : undefined
    if (estimate !== undefined && estimate.number > this.estimate.number && chain.isAncestor(chain.finalized, estimate)) this.estimate = estimate
    this.log.info({ round: this.current, estimate: this.estimate.number }, 'resuming the saved round')
  }

  /** Runs the round logic until nothing changes (re-entrant calls are folded into one more pass). */
  private evaluate(): void {
    if (this.evaluating) {
      this.again = true
      return
    }
    this.evaluating = true
    try {
      do {
        this.again = false
        this.step()
      } while (this.again)
    } catch (err) {
      this.log.error({ err }, 'finality step failed')
    } finally {
      this.evaluating = false
    }
  }

  private step(): void {
    const { chain } = this.components
    this.finalizeFromPrecommits()
    this.catchUp()
    const rs = this.roundState(this.current)
    const voting = this.voting
    if (voting && rs.prevote === undefined) {
      rs.prevote = this.vote(rs, 'prevote', this.prevoteTarget())
    }
    const g = rs.prevotes.ghost(chain, chain.finalized)
    if (voting && rs.precommit === undefined && g !== undefined && chain.isAncestor(this.estimate, g)) {
      rs.precommit = this.vote(rs, 'precommit', g)
    }
    if (g === undefined || (voting && rs.precommit === undefined)) return
    const { estimate, completable } = rs.precommits.estimate(chain, chain.finalized, g)
    // A completed round is followed soon (a quarter block time, so split votes cannot spin rounds) when a
    // block beyond its estimate is there to vote on: time to finality is then gossip, not a round timer.
    // Otherwise after a block time, so idle rounds stay slow.
    const elapsed = Date.now() - rs.started
    const due = elapsed >= this.init.blockTimeMs || (elapsed >= this.init.blockTimeMs / 4 && chain.best.number > estimate.number)
    if (completable && due) this.moveTo(this.current + 1, estimate)
  }

  /** Finalizes the highest block a round's precommits give a supermajority. */
  private finalizeFromPrecommits(): void {
    const { chain } = this.components
    for (const rs of this.rounds.values()) {
      const g = rs.precommits.ghost(chain, chain.finalized)
      if (g === undefined || g.number <= chain.finalized.number) continue
      const justification = buildJustification(chain, this.set, rs.round, g, rs.precommits.votes.values())
      try {
        chain.finalize(g.hash, encodeJustification(justification))
        this.log.info({ number: g.number, hash: g.hashHex, round: rs.round, setId: justification.setId }, 'finalized')
        this.emit('finalized', g, justification)
      } catch (err) {
        this.log.error({ err, number: g.number, hash: g.hashHex }, 'cannot finalize')
      }
      return
    }
  }

  /** Jumps to the round after the highest later round that is completable from the votes seen. */
  private catchUp(): void {
    const { chain } = this.components
    const later = [...this.rounds.keys()].filter((r) => r > this.current).sort((a, b) => b - a)
    for (const r of later) {
      const rs = this.rounds.get(r)!
      const g = rs.prevotes.ghost(chain, chain.finalized)
      if (g === undefined) continue
      const { estimate, completable } = rs.precommits.estimate(chain, chain.finalized, g)
      if (!completable) continue
      this.log.info({ from: this.current, to: r + 1 }, 'catching up with a later round')
      this.moveTo(r + 1, estimate)
      return
    }
  }

  /**
   * The head of the best chain containing the estimate (the chain's fork choice, whose tie-break
   * for equal heights every node shares, so equal-length forks do not split the prevotes for
   * good), not past a voter set change.
   */
  private prevoteTarget(): BlockRecord {
    const target = this.components.chain.bestContaining(this.estimate)
    return this.changeBelow(target, this.set.setId) ?? target
  }

  /** Asks sync again for the blocks that votes of the rounds held target and this node lacks. */
  private fetchVotedBlocks(): void {
    const { chain, requestBlock } = this.components
    if (requestBlock === undefined) return
    const wanted = new Set<string>()
    for (const rs of this.rounds.values()) {
      for (const tally of [rs.prevotes, rs.precommits]) for (const vote of tally.votes.values()) wanted.add(vote.hash)
    }
    for (const hash of wanted) if (chain.blockByHash(hexToU8a(hash)) === undefined) requestBlock(hash)
  }

  /** Signs, records (durably), tallies and gossips one own vote; an earlier own vote for the same slot wins. */
  private vote(rs: RoundState, kind: VoteKind, target: BlockRecord): SignedVote {
    const signer = this.signer()!
    const chain = this.components.chain
    const previous = this.own.find((o) => o.setId === this.set.setId && o.round === rs.round && o.kind === kind)
    const unsigned: Vote = { kind, setId: this.set.setId, round: rs.round, hash: target.hashHex, number: target.number }
    const vote = previous?.vote ?? signVote(unsigned, signer, chain.genesis.hash)
    if (previous === undefined) {
      this.own = [...this.own.filter((o) => o.setId === this.set.setId && o.round + 3 > rs.round), { setId: this.set.setId, round: rs.round, kind, vote }]
      chain.db.commitHead({ meta: { [VOTES_META]: new TextEncoder().encode(JSON.stringify(this.own)) } })
    }
    ;(kind === 'prevote' ? rs.prevotes : rs.precommits).add(vote)
    this.components.network.publishVote(vote)
    this.log.debug({ kind, round: rs.round, number: vote.number, hash: vote.hash }, 'voted')
    return vote
  }

  private loadOwnVotes(): void {
    const bytes = this.components.chain.db.getMeta(VOTES_META)
    if (bytes === undefined) return
    try {
      this.own = JSON.parse(new TextDecoder().decode(bytes)) as FinalityGadget['own']
    } catch {
      this.own = []
    }
    const mine = this.own.filter((o) => o.setId === this.set.setId)
    if (mine.length === 0) return
    const last = Math.max(...mine.map((o) => o.round))
    this.current = last
    for (const o of mine) {
      const rs = this.roundState(o.round)
      ;(o.kind === 'prevote' ? rs.prevotes : rs.precommits).add(o.vote)
      rs[o.kind] = o.vote
    }
  }

  /**
   * Re-gossips the votes this node holds of the previous and current rounds (its own and its
   * peers'): a peer that restarted or was cut off learns the round it missed, and can catch up.
   */
  private rebroadcast(): void {
    for (const r of [this.current - 1, this.current]) {
      const rs = this.rounds.get(r)
      if (rs === undefined) continue
      for (const tally of [rs.prevotes, rs.precommits]) {
        for (const vote of tally.votes.values()) this.components.network.publishVote(vote)
        for (const [, second] of tally.equivocations.values()) this.components.network.publishVote(second)
      }
    }
  }
}
