/** Finality vote signatures (checked with the WASM sr25519 verifier). */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { signerFromUri } from '@crust-ts/chain'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { type SignedVote, signVote, verifyVote } from '../src/index.js'

describe('finality vote signatures', () => {
  const genesis = new Uint8Array(32).fill(3)
  let vote: SignedVote

  before(async () => {
    await cryptoWaitReady()
    vote = signVote({ kind: 'precommit', setId: 2, round: 7, hash: `0x${'ab'.repeat(32)}`, number: 41 }, signerFromUri('//Alice'), genesis)
  })

  it("behavior: a voter's signed vote verifies", () => {
    assert.equal(verifyVote(vote, genesis), true)
  })

  it('error: a vote with any signed field changed, another chain, another voter or a flipped signature bit is refused', () => {
    const flipped = `${vote.signature.slice(0, 10)}${vote.signature[10] === '0' ? '1' : '0'}${vote.signature.slice(11)}`
    const bob = signVote(vote, signerFromUri('//Bob'), genesis)
    for (const bad of [
      { ...vote, round: 8 },
      { ...vote, kind: 'prevote' as const },
      { ...vote, number: 40 },
      { ...vote, setId: 3 },
      { ...vote, signature: flipped },
      { ...vote, voter: bob.voter },
    ]) {
      assert.equal(verifyVote(bad, genesis), false, JSON.stringify(bad))
    }
    assert.equal(verifyVote(vote, new Uint8Array(32).fill(4)), false)
    assert.equal(verifyVote({ ...vote, voter: '0x1234' }, genesis), false)
  })
})
