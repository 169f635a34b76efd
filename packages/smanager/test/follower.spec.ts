/** The chain follower: catching up block by block, and rescanning when the chain node pruned a block's state. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger } from '@crust-ts/base'
import { ChainFollower } from '../src/chain/follower.js'
import type { BlockEvents, ChainClient, OnChainFile } from '../src/chain/interface.js'

const file = (cid: string): OnChainFile => ({ cid, size: 1, expiredAt: 0, replicas: 0, holders: [] })

/** A chain at `head` whose states below `prunedBelow` are gone, holding one order. */
function fakeChain(state: { head: number; prunedBelow: number }): ChainClient {
  return {
    subscribeHeads: async () => () => {},
    head: async () => ({ number: state.head, hash: `0x${state.head}` }),
    blockEvents: async (number: number): Promise<BlockEvents> => {
      if (number < state.prunedBelow) throw new Error(`4003: Client error: UnknownBlock: State already discarded for 0x${number}`)
      return { number, hash: `0x${number}`, events: [] }
    },
    blockHash: async (number) => `0x${number}`,
    file: async (cid) => file(cid),
    files: async (cids) => cids.map(file),
    scanFiles: async function* () {
      yield [file('QmOrder')]
    },
    group: async () => undefined,
    calculateReward: async () => ({ ok: true }),
  }
}

describe('ChainFollower', () => {
  it('behavior: a block whose state the chain node pruned makes it rescan at the head instead of failing', async () => {
    const state = { head: 10, prunedBelow: 0 }
    const scanned: number[] = []
    const follower = new ChainFollower({
      chain: fakeChain(state),
      handlers: { onFile: async () => {}, onClosed: async () => {}, onScanned: async (_cids, block) => void scanned.push(block) },
      scanPageSize: 10,
      maxCatchUpBlocks: 256,
      log: createLogger({ level: 'silent' }).forComponent('test'),
    })
    await follower.scan()
    await follower.advance(12)
    assert.equal(follower.lastBlock, 12)
    // Behind by 38 blocks, but the chain node keeps only the last 32 states.
    state.head = 50
    state.prunedBelow = 18
    await follower.advance(50)
    assert.deepEqual(scanned, [10, 50])
    assert.equal(follower.lastBlock, 50)
  })

  it('behavior: an order of a block that reads as missing at that block is read again at the head and handled, not dropped', async () => {
    const seen: string[] = []
    const closed: string[] = []
    const chain: ChainClient = {
      // Scanned at block 2; block 3 brings the events.
      ...fakeChain({ head: 2, prunedBelow: 0 }),
      blockEvents: async (number: number): Promise<BlockEvents> => ({
        number,
        hash: `0x${number}`,
        events:
          number === 3
            ? [
                { kind: 'ordered', cid: 'QmFlaky' },
                { kind: 'calculated', cid: 'QmGone' },
              ]
            : [],
      }),
      // At the block's hash both read as missing; at the head only the settled one is gone.
      file: async (cid, at) => (at !== undefined || cid === 'QmGone' ? undefined : file(cid)),
    }
    const follower = new ChainFollower({
      chain,
      handlers: { onFile: async (f) => void seen.push(f.cid), onClosed: async (cid) => void closed.push(cid), onScanned: async () => {} },
      scanPageSize: 10,
      maxCatchUpBlocks: 256,
      log: createLogger({ level: 'silent' }).forComponent('test'),
    })
    await follower.scan()
    await follower.advance(3)
    assert.ok(seen.includes('QmFlaky'), `the order is handled: ${seen}`)
    assert.deepEqual(closed, ['QmGone'], 'a settled file that is gone still closes')
  })

  it('behavior: after a reorg it handles the new best chain from the fork point: an order only in the winning block is seen', async () => {
    // Block 3 first came as 3a (one order), then the chain switched to 3b (that order and another) and went on to 4.
    const chainBlocks = new Map<number, { hash: string; events: BlockEvents['events'] }>([[3, { hash: '0x3a', events: [{ kind: 'ordered', cid: 'QmBoth' }] }]])
    const chain: ChainClient = {
      ...fakeChain({ head: 2, prunedBelow: 0 }),
      blockHash: async (number) => chainBlocks.get(number)?.hash ?? `0x${number}`,
      blockEvents: async (number) => ({ number, hash: chainBlocks.get(number)?.hash ?? `0x${number}`, events: chainBlocks.get(number)?.events ?? [] }),
    }
    const seen: string[] = []
    const follower = new ChainFollower({
      chain,
      handlers: { onFile: async (f) => void seen.push(f.cid), onClosed: async () => {}, onScanned: async () => {} },
      scanPageSize: 10,
      maxCatchUpBlocks: 256,
      log: createLogger({ level: 'silent' }).forComponent('test'),
    })
    await follower.scan()
    seen.length = 0
    await follower.advance(3)
    assert.deepEqual(seen, ['QmBoth'])
    chainBlocks.set(3, {
      hash: '0x3b',
      events: [
        { kind: 'ordered', cid: 'QmBoth' },
        { kind: 'ordered', cid: 'QmOnlyIn3b' },
      ],
    })
    await follower.advance(4)
    assert.deepEqual(seen, ['QmBoth', 'QmBoth', 'QmOnlyIn3b'], 'block 3 handled again as 3b')
    assert.equal(follower.lastBlock, 4)
  })

  it("behavior: a reorg below the scan's block (or below what it remembers) rescans", async () => {
    const state = { head: 5, prunedBelow: 0 }
    let scanHash = '0x5'
    const scanned: number[] = []
    const chain: ChainClient = {
      ...fakeChain(state),
      head: async () => ({ number: state.head, hash: scanHash }),
      blockHash: async (number) => (number === 5 ? scanHash : `0x${number}`),
    }
    const follower = new ChainFollower({
      chain,
      handlers: { onFile: async () => {}, onClosed: async () => {}, onScanned: async (_c, block) => void scanned.push(block) },
      scanPageSize: 10,
      maxCatchUpBlocks: 256,
      log: createLogger({ level: 'silent' }).forComponent('test'),
    })
    await follower.scan()
    scanHash = '0x5b'
    state.head = 6
    await follower.advance(6)
    assert.deepEqual(scanned, [5, 6], 'the scan block was replaced: scanned again at the head')
  })

  it('error: any other failure of a block read still propagates', async () => {
    const follower = new ChainFollower({
      chain: { ...fakeChain({ head: 5, prunedBelow: 0 }), blockEvents: async () => Promise.reject(new Error('connection lost')) },
      handlers: { onFile: async () => {}, onClosed: async () => {}, onScanned: async () => {} },
      scanPageSize: 10,
      maxCatchUpBlocks: 256,
      log: createLogger({ level: 'silent' }).forComponent('test'),
    })
    await follower.scan()
    await assert.rejects(follower.advance(7), /connection lost/)
    assert.equal(follower.lastBlock, 5)
  })
})
