/**
 * The equivocation reporter on two real chains (LMDB in temp folders): chain B imports two blocks
 * sealed by Bob's key for one slot, the reporter (Charlie's key) submits
 * `Staking.report_equivocation` to B's pool, and B's next block applies it successfully; a vote
 * equivocation from the gadget's event is reported the same way; a second sighting is not
 * reported again, and a validator never reports itself.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type BlockEquivocation, type BlockSigner, type Chain, LOCAL_AUTHORITIES, type Runtime, TransactionPool } from '@crust-ts/chain'
import { silentLogger } from '@crust-ts/base'
import { u8aToHex } from '@polkadot/util'
import { EquivocationReporter, signVote } from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'

const BLOCK_TIME = 1000

describe('EquivocationReporter', () => {
  let local: LocalChains
  let runtime: Runtime
  let signers: BlockSigner[]

  before(async () => {
    local = await LocalChains.create('crust-equivocation-', { blockTimeMs: BLOCK_TIME })
    runtime = local.runtime
    signers = local.signers
  })

  after(async () => {
    await local.close()
  })

  const openChain = (name: string): Chain => local.chain(name)

  /** Applies the pool's transactions in the block of `slot` on `chain`; returns their outcomes. */
  const includePool = (chain: Chain, pool: TransactionPool, slot: number) => local.produce(chain, slot, { extrinsics: pool.source() }).applied

  it('behavior: a block equivocation seen at import is reported once and applied in the next block', () => {
    const a = openChain('a')
    const b = openChain('b')
    const pool = new TransactionPool(runtime, b)
    const reporter = new EquivocationReporter({ chain: b, pool, runtime, logger: silentLogger }, { validatorKey: `//${LOCAL_AUTHORITIES[2]}` })
    const seen: BlockEquivocation[] = []
    b.on('equivocation', (e) => {
      seen.push(e)
      reporter.reportBlocks(e)
    })
    const bob = signers[1]!
    const first = a.produceBlock(bob.publicKey, [], BLOCK_TIME + 10, { signer: bob, slot: 1 })
    const second = a.produceBlock(bob.publicKey, [], BLOCK_TIME + 20, { signer: bob, slot: 1, parent: a.genesis })
    for (const block of [first, second]) b.importBlock(a.headerBytesOf(block.block.hash)!, block.extrinsics)
    assert.equal(seen.length, 1)
    assert.equal(reporter.submitted.length, 1)
    assert.equal(reporter.reportBlocks(seen[0]!), undefined, 'reported once')
    const applied = includePool(b, pool, 2)
    assert.equal(applied.length, 1)
    assert.deepEqual(applied[0]!.outcome, { included: true, success: true })
    const call = applied[0]!.xt.call as { tag: string; value: { tag: string; value: { offender: Uint8Array } } }
    assert.equal(`${call.tag}.${call.value.tag}`, 'Staking.report_equivocation')
    assert.equal(u8aToHex(call.value.value.offender), u8aToHex(bob.publicKey))
  })

  it('behavior: a vote equivocation is reported and applied; error: a validator does not report itself', () => {
    const c = openChain('c')
    const pool = new TransactionPool(runtime, c)
    const reporter = new EquivocationReporter({ chain: c, pool, runtime, logger: silentLogger }, { validatorKey: `//${LOCAL_AUTHORITIES[2]}` })
    const dave = signers[3]!
    const vote = (n: number) => signVote({ kind: 'precommit', setId: 0, round: 4, hash: u8aToHex(new Uint8Array(32).fill(n)), number: n }, dave, c.genesis.hash)
    assert.ok(reporter.reportVotes(vote(1), vote(2)) !== undefined)
    const self = (n: number) =>
      signVote({ kind: 'precommit', setId: 0, round: 4, hash: u8aToHex(new Uint8Array(32).fill(n)), number: n }, signers[2]!, c.genesis.hash)
    assert.equal(reporter.reportVotes(self(1), self(2)), undefined)
    const applied = includePool(c, pool, 1)
    assert.equal(applied.length, 1)
    assert.deepEqual(applied[0]!.outcome, { included: true, success: true })
  })
})
