import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DefaultRetrievalScores, NAMED_HOLDER_FAILURE_WEIGHT } from '../src/index.js'

describe('node: retrieval scores', () => {
  it('behavior: successes, failures, bytes and mean latency are kept per peer', () => {
    const scores = new DefaultRetrievalScores()
    scores.record('peer-a', { ok: true, bytes: 100, latencyMs: 10 })
    scores.record('peer-a', { ok: true, bytes: 50, latencyMs: 30 })
    scores.record('peer-a', { ok: false })
    assert.deepEqual(
      { ...scores.get('peer-a'), score: undefined },
      { peerId: 'peer-a', successes: 2, failures: 1, bytes: 150, wrongBlocks: 0, meanLatencyMs: 20, score: undefined },
    )
    assert.deepEqual(scores.totals(), { blocksReceived: 2, dataReceived: 150, failures: 1 })
    assert.equal(scores.get('nobody'), undefined)
  })

  it('behavior: the score is the smoothed success rate discounted by latency', () => {
    const scores = new DefaultRetrievalScores()
    scores.record('fast', { ok: true, latencyMs: 0 })
    scores.record('slow', { ok: true, latencyMs: 3000 })
    scores.record('failing', { ok: false })
    assert.equal(scores.get('fast')!.score, 2 / 3)
    assert.equal(scores.get('slow')!.score, (2 / 3) * 0.25)
    assert.equal(scores.get('failing')!.score, 1 / 3)
    assert.deepEqual(
      scores.list().map((s) => s.peerId),
      ['fast', 'failing', 'slow'],
    )
  })

  it('behavior: the peer weight hook scales scores (the chain-aware ranking hook)', () => {
    const replicas = new Map([['stores-it', 3]])
    const scores = new DefaultRetrievalScores({ peerWeight: (peer) => replicas.get(peer) ?? 1 })
    scores.record('stores-it', { ok: true, latencyMs: 0 })
    scores.record('other', { ok: true, latencyMs: 0 })
    assert.equal(scores.get('stores-it')!.score, 3 * scores.get('other')!.score)
    assert.equal(scores.list()[0]!.peerId, 'stores-it')
  })

  it('behavior: a peer named a holder (by provider hints) that fails counts NAMED_HOLDER_FAILURE_WEIGHT failures; others one', () => {
    const scores = new DefaultRetrievalScores()
    scores.noteNamedHolder('holder')
    scores.record('holder', { ok: false })
    scores.record('stranger', { ok: false })
    assert.equal(scores.get('holder')?.failures, NAMED_HOLDER_FAILURE_WEIGHT)
    assert.equal(scores.get('stranger')?.failures, 1)
    assert.ok(scores.scoreOf('holder') < scores.scoreOf('stranger'))
    assert.equal(scores.scoreOf('unknown'), 0.5)
    assert.equal(scores.totals().failures, 2, 'totals count failed retrievals, not their weight')
  })

  it('behavior: at most maxPeers are remembered, the least recently updated forgotten first', () => {
    const scores = new DefaultRetrievalScores({ maxPeers: 2 })
    scores.record('a', { ok: true })
    scores.record('b', { ok: true })
    scores.record('a', { ok: true })
    scores.record('c', { ok: true })
    assert.deepEqual(
      scores
        .list()
        .map((s) => s.peerId)
        .sort(),
      ['a', 'c'],
    )
  })
})
