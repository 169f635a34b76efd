/** The storage node's Prometheus registry: gauges read from their sources at scrape time. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMetricsRegistry, TOP_RANKED_PEERS } from '../src/metrics.js'

describe('storage node metrics', () => {
  it('behavior: retrieval totals and the best-ranked peers (at most TOP_RANKED_PEERS) are exported at scrape time', async () => {
    let received = 3
    const peers = Array.from({ length: TOP_RANKED_PEERS + 5 }, (_, i) => ({ peerId: `peer-${i}`, score: 1 - i / 100, failures: i }))
    const registry = createMetricsRegistry({
      bestBlock: () => 7,
      retrieval: async () => ({ blocksReceived: received, dataReceived: received * 1000, peers }),
    })
    received = 5
    const text = await registry.metrics()
    assert.match(text, /^crust_ipfs_blocks_received 5$/m)
    assert.match(text, /^crust_ipfs_bytes_received 5000$/m)
    assert.match(text, /^crust_ipfs_ranked_peers 25$/m)
    assert.match(text, /^crust_ipfs_peer_score\{peer="peer-0"\} 1$/m)
    assert.equal([...text.matchAll(/^crust_ipfs_peer_score\{/gm)].length, TOP_RANKED_PEERS)
    assert.doesNotMatch(text, /peer="peer-20"/)
    assert.match(text, /^crust_chain_best_block 7$/m)
  })

  it('behavior: storage challenge counters are exported per outcome at scrape time, with the last answer latency', async () => {
    const counters = { received: 4, answered: 4, passed: 3, failed: 1, unprovable: 1, missed: 0, declared: 2, rootsSubmitted: 5, lastAnswerMs: 812 }
    const registry = createMetricsRegistry({ bestBlock: () => 1, challenges: () => counters })
    counters.passed = 4
    const text = await registry.metrics()
    assert.match(text, /^crust_smanager_challenges\{outcome="passed"\} 4$/m)
    assert.match(text, /^crust_smanager_challenges\{outcome="failed"\} 1$/m)
    assert.match(text, /^crust_smanager_challenges\{outcome="missed"\} 0$/m)
    assert.match(text, /^crust_smanager_challenges\{outcome="rootsSubmitted"\} 5$/m)
    assert.match(text, /^crust_smanager_challenge_answer_ms 812$/m)
  })
})
