/**
 * Block production when a transaction does not fit: like Substrate's proposer, the author skips it
 * and tries the next ones (smaller transactions still fit), up to 8 skipped, then closes the block.
 * Real LMDB in a temp folder; a runtime with a 4 KiB block so one remark can overflow it.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { Chain } from '../src/chain/index.js'
import { MAX_SKIPPED_TRANSACTIONS } from '../src/chain/blocks/produce-block.js'
import { ChainDatabase } from '../src/db/index.js'
import { type DecodedExtrinsic, decodeExtrinsic } from '../src/frame/extrinsic.js'
import { signerFromUri } from '../src/primitives/aura.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'
import { builtinSpec } from '../src/spec/chain-spec.js'
import { callOf, signedBytes } from './fixtures/signed-call.js'

const BLOCK_TIME = 1000

describe('block production: transactions that do not fit are skipped, up to 8', () => {
  const dirs: string[] = []
  const dbs: ChainDatabase[] = []
  let runtime: Runtime
  let keyring: Keyring
  let slot = 0

  before(async () => {
    await cryptoWaitReady()
    // Normal transactions get 3/4 of 4 KiB: one 3,500-byte remark never fits, 8-byte ones do.
    runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME, maxBlockLength: 4096 })
    keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  })
  after(async () => {
    for (const db of dbs) await db.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  function openChain(): Chain {
    const dir = mkdtempSync(join(tmpdir(), 'crust-produce-skip-'))
    dirs.push(dir)
    const db = ChainDatabase.open(dir)
    dbs.push(db)
    return Chain.open(db, runtime, builtinSpec('dev')!, { finality: 'external' })
  }

  function remark(chain: Chain, uri: string, nonce: number, bytes: number): DecodedExtrinsic {
    const call = callOf(runtime, 'System', 'remark', { remark: u8aToHex(new Uint8Array(bytes).fill(7)) })
    return decodeExtrinsic(runtime, signedBytes(runtime, keyring, chain.genesis.hash, uri, nonce, call))
  }

  const produce = (chain: Chain, txs: DecodedExtrinsic[]) => {
    slot++
    const signer = signerFromUri('//Alice//stash')
    return chain.produceBlock(signer.publicKey, txs, slot * BLOCK_TIME + 10, { signer, slot })
  }

  it('behavior: a transaction too large for the block is left out and the smaller ones after it are included', () => {
    const chain = openChain()
    const big = remark(chain, '//Alice', 0, 3500)
    const small = [remark(chain, '//Bob', 0, 8), remark(chain, '//Charlie', 0, 8)]
    const produced = produce(chain, [big, ...small])
    assert.deepEqual(
      produced.applied.map((a) => (a.outcome.included ? 'included' : a.outcome.reason)),
      ['full', 'included', 'included'],
    )
    assert.equal(produced.extrinsics.length, 3, 'the timestamp inherent and the two small remarks')
  })

  it(`behavior: after ${MAX_SKIPPED_TRANSACTIONS} skipped transactions the block is closed; one fewer and the next still goes in`, () => {
    const chain = openChain()
    const bigs = (n: number) => Array.from({ length: n }, (_, i) => remark(chain, '//Alice', i, 3500))
    const closed = produce(chain, [...bigs(MAX_SKIPPED_TRANSACTIONS + 1), remark(chain, '//Bob', 0, 8)])
    assert.equal(closed.applied.length, MAX_SKIPPED_TRANSACTIONS + 1, 'the small remark was not tried')
    assert.ok(closed.applied.every((a) => !a.outcome.included && a.outcome.reason === 'full'))
    const open = produce(chain, [...bigs(MAX_SKIPPED_TRANSACTIONS), remark(chain, '//Bob', 0, 8)])
    assert.equal(open.applied.at(-1)!.outcome.included, true)
  })
})
