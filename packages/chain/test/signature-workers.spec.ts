/**
 * Signature checks on worker threads: the pool's split and order, and the signatures a run of
 * blocks (mortal and immortal transactions) or a peer's push carries, checked ahead so import and
 * admission find them checked: two real chains (LMDB in temp folders).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Keyring } from '@polkadot/keyring'
import { u8aConcat, u8aToHex } from '@polkadot/util'
import type { BlockSigner } from '../src/primitives/aura.js'
import type { Chain, ImportedBlock } from '../src/chain/index.js'
import { decodeExtrinsic } from '../src/frame/extrinsic.js'
import { type PayloadCheck, SignatureWorkers } from '../src/frame/signature-workers.js'
import type { Runtime } from '../src/runtime/runtime.js'
import { InvalidTransactionError } from '../src/runtime/validity.js'
import { TransactionPool } from '../src/node/txpool/transaction-pool.js'
import { TempChains } from './fixtures/temp-chains.js'

const BLOCK_TIME = 1000

/** Starts `workers`' threads and waits (polling, 30 s at most) until one takes batches. */
async function warmed(workers: SignatureWorkers): Promise<void> {
  workers.warm()
  const deadline = Date.now() + 30_000
  while (!workers.ready) {
    if (Date.now() > deadline) throw new Error('no signature worker became ready in 30 s')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('signature worker threads', () => {
  let chains: TempChains
  let runtime: Runtime
  let signers: BlockSigner[]
  let keyring: Keyring

  before(async () => {
    chains = await TempChains.create('crust-sigworkers-', BLOCK_TIME)
    ;({ runtime, signers, keyring } = chains)
  })

  after(async () => {
    await chains.close()
  })

  const openChain = (signatureWorkers: number): Chain => chains.open({ signatureWorkers })

  function produce(chain: Chain, slot: number, txs: Uint8Array[] = []): ImportedBlock {
    const signer = signers[slot % signers.length]!
    return chain.produceBlock(
      signer.publicKey,
      txs.map((bytes) => decodeExtrinsic(runtime, bytes)),
      slot * BLOCK_TIME + 10,
      { signer, slot },
    )
  }

  /** A transfer to Ferdie; mortal (period 64) when `born` is given: that block's number and hash. */
  function transfer(chain: Chain, uri: string, nonce: number, born?: ImportedBlock): Uint8Array {
    const registry = runtime.registry
    const call = registry.createType('Call', {
      callIndex: [2, 3],
      args: { dest: { Id: u8aToHex(keyring.addFromUri('//Ferdie').publicKey) }, value: 1_000_000_000n },
    })
    const xt = registry.createType('Extrinsic', call)
    xt.sign(keyring.addFromUri(uri), {
      blockHash: born?.block.hash ?? chain.genesis.hash,
      genesisHash: chain.genesis.hash,
      nonce,
      tip: 0n,
      era: born === undefined ? 0 : registry.createType('ExtrinsicEra', { current: born.block.number, period: 64 }),
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    return xt.toU8a()
  }

  /**
   * Four blocks on a chain without workers: block 2 carries immortal transfers and mortal ones born
   * at block 1 (its parent), block 4 mortal ones born at block 2 (an ancestor below the parent).
   */
  function authorRun(): { blocks: Array<{ header: Uint8Array; extrinsics: Uint8Array[] }>; signed: number } {
    const a = openChain(0)
    const one = produce(a, 101)
    const two = produce(a, 102, [
      ...Array.from({ length: 6 }, (_, n) => transfer(a, '//Bob', n)),
      ...Array.from({ length: 6 }, (_, n) => transfer(a, '//Charlie', n, one)),
    ])
    const three = produce(a, 103)
    const four = produce(
      a,
      104,
      Array.from({ length: 6 }, (_, n) => transfer(a, '//Dave', n, two)),
    )
    const blocks = [one, two, three, four].map((b) => ({ header: a.headerBytesOf(b.block.hash)!, extrinsics: b.extrinsics }))
    return { blocks, signed: 18 }
  }

  it('behavior: a batch split between a worker and the calling thread answers every check, in order', async () => {
    const pair = keyring.addFromUri('//Alice')
    const checks: PayloadCheck[] = Array.from({ length: 41 }, (_, i) => {
      const payload = new TextEncoder().encode(`payload ${i}`)
      const signature = pair.sign(payload)
      // Every third check is of another payload than the one signed.
      return {
        scheme: 'sr25519' as const,
        signer: pair.publicKey,
        signature,
        multiSignature: u8aConcat([1], signature),
        payload: i % 3 === 0 ? new TextEncoder().encode(`other ${i}`) : payload,
      }
    })
    const workers = new SignatureWorkers(1)
    try {
      assert.equal(workers.parallel, true)
      // Before a thread is loaded, the calling thread checks everything.
      assert.deepEqual(
        await workers.verifyAll(checks),
        checks.map((_, i) => i % 3 !== 0),
      )
      await warmed(workers)
      const expected = checks.map((_, i) => i % 3 !== 0)
      assert.deepEqual(await workers.verifyAll(checks), expected)
      await workers.close()
      // Closed: the same answers, on the calling thread.
      assert.equal(workers.parallel, false)
      assert.deepEqual(await workers.verifyAll(checks), expected)
    } finally {
      await workers.close()
    }
  })

  it('behavior: a run of blocks checked ahead imports without checking a signature again; without workers nothing is checked ahead', async () => {
    const { blocks, signed } = authorRun()
    // The whole run at once: the birth block of block 4's transactions is in the run.
    const b = openChain(1)
    await warmed(b.signatureWorkers)
    await b.preverifyBlocks(blocks)
    for (const block of blocks) assert.equal(b.importBlock(block.header, block.extrinsics).status, 'imported')
    assert.equal(b.signatures.hits, signed)
    // Block by block: the birth block is on the chain by then.
    const c = openChain(1)
    await warmed(c.signatureWorkers)
    for (const block of blocks) {
      await c.preverifyBlocks([block])
      c.importBlock(block.header, block.extrinsics)
    }
    assert.equal(c.signatures.hits, signed)
    assert.equal(u8aToHex(c.best.hash), u8aToHex(b.best.hash))
    const d = openChain(0)
    await d.preverifyBlocks(blocks)
    for (const block of blocks) d.importBlock(block.header, block.extrinsics)
    assert.equal(d.signatures.hits, 0)
  })

  it('behavior: a peer push checked ahead is admitted from the record; a forged transaction in it is still refused', async () => {
    const chain = openChain(1)
    await warmed(chain.signatureWorkers)
    const pool = new TransactionPool(runtime, chain)
    const push = Array.from({ length: 10 }, (_, n) => transfer(chain, '//Eve', n))
    const forged = transfer(chain, '//Ferdie', 0)
    // A byte of the transfer's destination: it still decodes, but the signature no longer covers it.
    forged[forged.length - 20]! ^= 1
    await pool.preverifyFromPeer([...push, forged])
    for (const bytes of push) assert.equal(pool.submitFromPeer(bytes).refused, undefined)
    assert.equal(chain.signatures.hits, 10)
    assert.throws(
      () => pool.submitFromPeer(forged),
      (err: unknown) => err instanceof InvalidTransactionError && err.reason === 'BadProof',
    )
  })
})
