/**
 * The finality gadget on real chains (LMDB in temp folders), its peers' votes signed with the
 * `local` authorities' keys and handed in directly: a healed partition (the others prevote a fork
 * this node never imported: it asks for the block, then precommits the GHOST on that fork and
 * finalizes it), prevoting for the fork-choice winner of two equal-height heads whatever the import
 * order, catch-up with a later completable round, and a restarted voter resuming its saved round.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { BlockRecord, Chain, ImportedBlock } from '@crust-ts/chain'
import { silentLogger } from '@crust-ts/base'
import { buildJustification, encodeJustification, FinalityGadget, type SignedVote, signVote, type VoteKind } from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000

describe('FinalityGadget', () => {
  let local: LocalChains

  before(async () => {
    local = await LocalChains.create('crust-gadget-', { blockTimeMs: BLOCK_TIME })
  })

  after(async () => {
    await local.close()
  })

  const openChain = (name: string): Chain => local.chain(name)

  /** The block of `slot` on `parent` (default the best block), sealed by the slot's authority. */
  const produce = (chain: Chain, slot: number, parent?: BlockRecord): ImportedBlock => local.produce(chain, slot, parent === undefined ? {} : { parent })

  const copy = (from: Chain, to: Chain, block: ImportedBlock): void => local.copy(from, to, block)

  /** A gadget voting with `//Alice` on `chain`; records what it publishes and the blocks it asks for. */
  function gadget(chain: Chain) {
    const published: SignedVote[] = []
    const requested: string[] = []
    const g = local.track(
      new FinalityGadget(
        { chain, network: { publishVote: (v) => published.push(v) }, logger: silentLogger, requestBlock: (hash) => requested.push(hash) },
        { signer: local.signers[0]!, blockTimeMs: BLOCK_TIME },
      ),
    )
    const own = (kind: VoteKind, round: number) => published.find((v) => v.kind === kind && v.round === round && v.voter === published[0]!.voter)
    return { g, published, requested, own }
  }

  const vote = (chain: Chain, voter: number, kind: VoteKind, round: number, block: BlockRecord) =>
    signVote({ kind, setId: 0, round, hash: block.hashHex, number: block.number }, local.signers[voter]!, chain.genesis.hash)

  it('behavior: prevotes for a fork it lacks make a voter fetch it, precommit its GHOST there and finalize it', async () => {
    const x = openChain('heal-x')
    const y = openChain('heal-y')
    const common = produce(x, 1)
    copy(x, y, common)
    const mine = produce(x, 2) // this side's fork
    const theirs = [produce(y, 3), produce(y, 5)] // the other side's (the longer one)
    const { g, requested, own } = gadget(x)
    g.start()
    assert.equal(own('prevote', 1)?.hash, mine.block.hashHex, 'prevote for its own best chain')
    for (const voter of [1, 2, 3]) assert.equal(g.onVote(vote(x, voter, 'prevote', 1, theirs[1]!.block)), 'accept')
    assert.ok(requested.includes(theirs[1]!.block.hashHex), 'asks sync for the block voted for')
    assert.equal(own('precommit', 1), undefined, 'no precommit while the voted blocks are unknown')
    for (const b of theirs) copy(y, x, b)
    // The timer re-evaluates the round; the prevotes' GHOST is the other fork's head.
    const precommit = await waitFor(async () => own('precommit', 1), 'a precommit')
    assert.equal(precommit.hash, theirs[1]!.block.hashHex)
    for (const voter of [1, 2]) g.onVote(vote(x, voter, 'precommit', 1, theirs[1]!.block))
    assert.equal(x.finalized.hashHex, theirs[1]!.block.hashHex)
    assert.equal(x.best.hashHex, theirs[1]!.block.hashHex, 'the finalized fork is the best chain')
    assert.ok(x.justificationOf(theirs[1]!.block.hash) !== undefined)
  })

  it('behavior: with two heads of equal height, the voter prevotes the earlier-slot head whatever it saw first', () => {
    const x = openChain('tie-x')
    const y = openChain('tie-y')
    const common = produce(x, 1)
    copy(x, y, common)
    const later = produce(x, 3)
    const earlier = produce(y, 2)
    copy(y, x, earlier)
    assert.equal(x.best.hashHex, earlier.block.hashHex)
    const { g, own } = gadget(x)
    g.start()
    assert.equal(own('prevote', 1)?.hash, earlier.block.hashHex)
    assert.ok(x.blockByHash(later.block.hash))
  })

  it('behavior: a voter behind (its own round stuck) adopts a later round it sees completable, and finalizes from it', () => {
    const x = openChain('catch-up')
    const blocks = [produce(x, 1), produce(x, 2)]
    const { g, own } = gadget(x)
    g.start()
    assert.equal(g.round, 1)
    // Round 1 cannot complete (nobody else votes in it); the others are in round 7.
    for (const voter of [1, 2, 3]) g.onVote(vote(x, voter, 'prevote', 7, blocks[1]!.block))
    assert.equal(g.round, 1, 'prevotes alone do not make a round completable')
    for (const voter of [1, 2, 3]) g.onVote(vote(x, voter, 'precommit', 7, blocks[1]!.block))
    assert.equal(g.round, 8)
    assert.equal(x.finalized.hashHex, blocks[1]!.block.hashHex)
    assert.equal(own('prevote', 8)?.hash, blocks[1]!.block.hashHex)
  })

  it('behavior: a restarted voter resumes its saved round', () => {
    const x = openChain('restart')
    const blocks = [produce(x, 1), produce(x, 2)]
    const first = gadget(x)
    first.g.start()
    assert.equal(first.own('prevote', 1)?.hash, blocks[1]!.block.hashHex)
    // Round 1's justification (from sync) finalizes block 2 and moves the voter to round 2 before it votes there.
    const precommits = [1, 2, 3].map((voter) => vote(x, voter, 'precommit', 1, blocks[1]!.block))
    const justification = buildJustification(x, x.votersFor(x.finalized), 1, blocks[1]!.block, precommits)
    assert.equal(first.g.importJustification(encodeJustification(justification)), true)
    assert.equal(first.g.round, 2)
    first.g.stop()
    const second = gadget(x)
    second.g.start()
    assert.equal(second.g.round, 2, 'rejoins at its round, though it had not voted in it')
    assert.equal(second.own('prevote', 1), undefined, 'no vote again in the finished round')
    assert.equal(second.own('prevote', 2)?.hash, blocks[1]!.block.hashHex)
  })
})
