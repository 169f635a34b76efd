/** The pool service on a real chain (LMDB in a temp folder): validation, replacement, limits. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto'
import { submissionError } from '../src/node/api/substrate-api.js'
import { Chain } from '../src/chain/index.js'
import { ChainDatabase } from '../src/db/index.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { decodeExtrinsic } from '../src/frame/extrinsic.js'
import { Runtime } from '../src/runtime/runtime.js'
import { InvalidTransactionError } from '../src/runtime/validity.js'
import { builtinSpec } from '../src/spec/chain-spec.js'
import { PoolError } from '../src/node/txpool/errors.js'
import { type TransactionStatus, TransactionPool } from '../src/node/txpool/transaction-pool.js'

describe('TransactionPool', () => {
  let dir: string
  let db: ChainDatabase
  let runtime: Runtime
  let chain: Chain
  let keyring: Keyring
  const author = new Uint8Array(32).fill(1)

  before(async () => {
    await cryptoWaitReady()
    dir = mkdtempSync(join(tmpdir(), 'crust-pool-'))
    db = ChainDatabase.open(dir)
    runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: 1000 })
    chain = Chain.open(db, runtime, builtinSpec('dev')!)
    keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  })

  after(async () => {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function sign(uri: string, nonce: number, tip = 0n, value = 1_000_000_000n): Uint8Array {
    const registry = runtime.registry
    const call = registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: u8aToHex(keyring.addFromUri('//Ferdie').publicKey) }, value } })
    const xt = registry.createType('Extrinsic', call)
    xt.sign(keyring.addFromUri(uri), {
      blockHash: chain.genesis.hash,
      genesisHash: chain.genesis.hash,
      nonce,
      tip,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    return xt.toU8a()
  }

  it('behavior: a higher tip replaces the same sender and nonce; the old one is usurped', () => {
    const pool = new TransactionPool(runtime, chain)
    const seen: Array<[string, TransactionStatus]> = []
    pool.on('status', (hash, status) => seen.push([hash, status]))
    const low = pool.submit(sign('//Bob', 0, 1n))
    const high = pool.submit(sign('//Bob', 0, 5n))
    assert.equal(high.status, 'ready')
    assert.deepEqual(seen, [[low.hash, { usurped: high.hash }]])
    assert.ok(!pool.has(low.hash))
    const block = chain.produceBlock(author, pool.source())
    const included = block.applied.filter((a) => a.outcome.included).map((a) => u8aToHex(a.xt.hash))
    assert.deepEqual(included, [high.hash])
  })

  it('error: an equal or lower tip for a taken nonce is refused as "Priority is too low" (1014)', () => {
    const pool = new TransactionPool(runtime, chain)
    pool.submit(sign('//Charlie', 0, 5n))
    assert.throws(
      () => pool.submit(sign('//Charlie', 0, 5n, 2n)),
      (err) => {
        assert.ok(err instanceof PoolError)
        assert.equal(submissionError(err).rpcCode, 1014)
        return true
      },
    )
  })

  it('error: the same extrinsic twice is "Transaction Already Imported" (1013)', () => {
    const pool = new TransactionPool(runtime, chain)
    const bytes = sign('//Dave', 0)
    pool.submit(bytes)
    assert.throws(
      () => pool.submit(bytes),
      (err) => submissionError(err).rpcCode === 1013,
    )
  })

  it('behavior: a bounded pool refuses what does not fit (1016) and keeps what it has', () => {
    const pool = new TransactionPool(runtime, chain, { maxReady: 2, maxFuture: 1, maxBytes: 1 << 20, maxPerSender: 64 })
    pool.submit(sign('//Eve', 0))
    pool.submit(sign('//Eve', 1))
    pool.submit(sign('//Eve', 5))
    assert.throws(
      () => pool.submit(sign('//Eve', 7)),
      (err) => submissionError(err).rpcCode === 1016,
    )
    assert.deepEqual(pool.status(), { ready: 2, future: 1, bytes: pool.status().bytes })
  })

  it("behavior: a peer's transaction over its sender's future limit is refused as a value, the next time before decoding; the limit holds and lifts when the gap fills", () => {
    const pool = new TransactionPool(runtime, chain, { maxReady: 100, maxFuture: 100, maxBytes: 1 << 20, maxPerSender: 2 })
    const charlie = keyring.addFromUri('//Charlie').publicKey
    const n = chain.accountNonce(charlie)
    const [f2, f3, f4] = [2, 3, 4].map((k) => sign('//Charlie', n + k)) as [Uint8Array, Uint8Array, Uint8Array]
    assert.deepEqual(pool.submitFromPeer(f2), { hash: blake2AsHex(f2, 256), status: 'future' })
    assert.deepEqual(pool.submitFromPeer(f3), { hash: blake2AsHex(f3, 256), status: 'future' })
    const refused = { hash: blake2AsHex(f4, 256), refused: 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER' }
    assert.deepEqual(pool.submitFromPeer(f4), refused)
    assert.equal(pool.status().future, 2, 'the sender holds no more future transactions than its limit')
    // Offered again (peers re-offer every second): answered without decoding the call.
    let decoded = 0
    const decodeCall = runtime.decodeCall
    runtime.decodeCall = (bytes) => {
      decoded++
      return decodeCall.call(runtime, bytes)
    }
    try {
      assert.deepEqual(pool.submitFromPeer(f4), refused)
      assert.deepEqual(pool.submitFromPeer(f3), { hash: blake2AsHex(f3, 256), refused: 'TXPOOL_ERROR_ALREADY_IMPORTED' })
      assert.equal(decoded, 0, 'neither refusal decoded the transaction')
      assert.equal(pool.status().future, 2)
      // The gap fills: the remembered refusal no longer holds, and the transaction goes in.
      pool.submit(sign('//Charlie', n))
      pool.submit(sign('//Charlie', n + 1))
      assert.deepEqual(pool.submitFromPeer(f4), { hash: blake2AsHex(f4, 256), status: 'ready' })
      assert.equal(decoded, 3)
    } finally {
      runtime.decodeCall = decodeCall
    }
    assert.deepEqual(pool.status(), { ready: 5, future: 0, bytes: pool.status().bytes })
  })

  it('behavior: ready transactions go into blocks by tip across senders and by nonce per sender', () => {
    const pool = new TransactionPool(runtime, chain)
    const a0 = pool.submit(sign('//Alice', 0, 1n))
    const a1 = pool.submit(sign('//Alice', 1, 100n))
    const f0 = pool.submit(sign('//Ferdie', 0, 50n))
    const block = chain.produceBlock(author, pool.source())
    const order = block.applied.filter((a) => a.outcome.included).map((a) => u8aToHex(a.xt.hash))
    assert.deepEqual(order, [f0.hash, a0.hash, a1.hash])
    assert.equal(pool.status().ready, 0)
  })

  it('behavior: a reorg makes the pool re-read nonces: the retracted transaction comes back and its successor follows it', () => {
    const pool = new TransactionPool(runtime, chain)
    const dave = keyring.addFromUri('//Dave').publicKey
    const nonce = chain.accountNonce(dave)
    const fork = chain.best
    const first = sign('//Dave', nonce)
    pool.submit(first)
    pool.submit(sign('//Dave', nonce + 1))
    chain.produceBlock(author, [decodeExtrinsic(runtime, first)])
    assert.equal(chain.accountNonce(dave), nonce + 1)
    assert.equal(pool.status().ready, 1)
    // A longer fork without Dave's first transfer becomes best.
    const side = chain.produceBlock(author, [], Date.now(), { parent: fork })
    chain.produceBlock(author, [], Date.now(), { parent: side.block })
    assert.equal(chain.accountNonce(dave), nonce)
    assert.deepEqual([pool.status().ready, pool.status().future], [0, 1])
    assert.equal(pool.submit(first).status, 'ready')
    assert.equal(pool.status().ready, 2)
  })

  it('behavior: a pooled transaction included by a fork that becomes best is reported in that block, not invalid', () => {
    const pool = new TransactionPool(runtime, chain)
    const eve = keyring.addFromUri('//Eve').publicKey
    const tx = sign('//Eve', chain.accountNonce(eve))
    const { hash } = pool.submit(tx)
    const seen: TransactionStatus[] = []
    pool.on('status', (h, status) => {
      if (h === hash) seen.push(status)
    })
    const fork = chain.best
    chain.produceBlock(author, [])
    // The other side includes the transaction and grows longer: it is enacted by a reorg.
    const side = chain.produceBlock(author, [decodeExtrinsic(runtime, tx)], Date.now(), { parent: fork })
    const tip = chain.produceBlock(author, [], Date.now(), { parent: side.block })
    assert.equal(u8aToHex(chain.best.hash), tip.block.hashHex)
    // (This chain finalizes by authoring, so `finalized` may follow; `invalid` would end a watcher first.)
    assert.deepEqual(seen[0], { inBlock: side.block.hashHex })
    assert.ok(!seen.includes('invalid'), JSON.stringify(seen))
    assert.equal(pool.status().ready + pool.status().future, 0)
  })

  it('behavior: a transaction in a block that loses a fork is reported finalized only in the block the chain finalized', async () => {
    // Finality from outside (as validators vote), so blocks stay unfinalized across the fork.
    const forkDir = mkdtempSync(join(tmpdir(), 'crust-pool-fork-'))
    const forkDb = ChainDatabase.open(forkDir)
    try {
      const forked = Chain.open(forkDb, runtime, builtinSpec('dev')!, { finality: 'external' })
      const pool = new TransactionPool(runtime, forked)
      const tx = sign('//Ferdie', 0)
      const { hash } = pool.submit(tx)
      const seen: TransactionStatus[] = []
      pool.on('status', (h, status) => {
        if (h === hash) seen.push(status)
      })
      const fork = forked.best
      const lost = forked.produceBlock(author, pool.source())
      // The other side includes it too and grows longer; then the validators finalize that side.
      const won = forked.produceBlock(author, [decodeExtrinsic(runtime, tx)], Date.now(), { parent: fork })
      const tip = forked.produceBlock(author, [], Date.now(), { parent: won.block })
      forked.finalize(tip.block.hash)
      assert.deepEqual(seen, [{ inBlock: lost.block.hashHex }, { inBlock: won.block.hashHex }, { finalized: won.block.hashHex }])
    } finally {
      await forkDb.close()
      rmSync(forkDir, { recursive: true, force: true })
    }
  })

  it('error: validation refuses a transaction signed for another chain as a bad proof', () => {
    const pool = new TransactionPool(runtime, chain)
    const registry = runtime.registry
    const xt = registry.createType('Extrinsic', registry.createType('Call', { callIndex: [0, 0], args: { remark: '0x00' } }))
    const other = new Uint8Array(32).fill(0xee)
    xt.sign(keyring.addFromUri('//Bob'), {
      blockHash: other,
      genesisHash: other,
      nonce: 5,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    assert.throws(
      () => pool.submit(xt.toU8a()),
      (err) => err instanceof InvalidTransactionError && err.reason === 'BadProof',
    )
  })
})
