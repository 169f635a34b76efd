/**
 * An order task that throws (the chain's connection lost) waits a backoff step before the engine
 * tries it again: the engine used to retry it at once, again and again (a gateway whose chain node
 * was down logged 164,370 failures in minutes and grew to 1 GiB in CI's chaos run).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { OrderEngine } from '../src/orders/index.js'
import { openEmbeddedPinStore } from '../src/store/index.js'

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('order engine: a task that throws', () => {
  it('behavior: an order whose chain calls fail is retried once per backoff step, not in a tight loop', async () => {
    await cryptoWaitReady()
    const dir = mkdtempSync(join(tmpdir(), 'order-backoff-'))
    const store = await openEmbeddedPinStore({ dataDir: dir })
    let chainCalls = 0
    const disconnected = async () => {
      chainCalls++
      throw new Error('disconnected from ws://127.0.0.1:9944: 1006:: Abnormal Closure')
    }
    // The chain as a lost connection leaves it: every query fails (only the start-up nonce answered).
    const api = {
      consts: { market: { fileDuration: { toString: () => '1000' } } },
      rpc: { system: { accountNextIndex: async () => ({ toNumber: () => 0 }) }, chain: { getHeader: disconnected } },
      query: { system: { account: disconnected }, market: { filesV2: disconnected } },
    } as unknown as ApiPromise
    const account = new Keyring({ type: 'sr25519' }).addFromUri('//Gateway')
    const engine = new OrderEngine({ store, api, account, ipfsApi: 'http://127.0.0.1:1', backoffBaseMs: 400, pollIntervalMs: 50, statusIntervalMs: 60_000 })
    try {
      await store.addPin({ owner: 'alice', cid: CID })
      await store.updateOrder(CID, { phase: 'submitting', nonce: 0, txHex: '0x00', nextAttemptAt: Date.now() })
      const started = Date.now()
      await engine.start()
      const deadline = started + 2000
      while (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
      const elapsed = Date.now() - started
      // One try at start, then one per 400 ms step at most (plus the poll's slack).
      assert.ok(chainCalls >= 2, `retried after the backoff: ${chainCalls} chain calls`)
      assert.ok(chainCalls <= Math.ceil(elapsed / 400) + 2, `${chainCalls} chain calls in ${elapsed} ms`)
    } finally {
      await engine.stop()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
