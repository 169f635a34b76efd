/** `crust_validatorActivity`'s reading of a real chain (LMDB in a temp folder): authors from the Aura slots, votes from stored justifications. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto'
import { type BlockSigner, signerFromUri } from '../src/primitives/aura.js'
import { Chain } from '../src/chain/index.js'
import { ChainDatabase } from '../src/db/index.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'
import { builtinSpec, type ChainSpec, LOCAL_AUTHORITIES } from '../src/spec/chain-spec.js'
import { validatorActivity } from '../src/node/api/validator-activity.js'

const BLOCK_TIME = 1000

describe('validator activity', () => {
  let dir: string
  let db: ChainDatabase
  let chain: Chain
  let signers: BlockSigner[]
  let spec: ChainSpec

  before(async () => {
    await cryptoWaitReady()
    spec = builtinSpec('local')!
    signers = LOCAL_AUTHORITIES.map((name) => signerFromUri(`//${name}`))
    dir = mkdtempSync(join(tmpdir(), 'crust-activity-'))
    db = ChainDatabase.open(dir)
    chain = Chain.open(db, new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME }), spec, { finality: 'external' })
  })

  after(async () => {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("behavior: counts each authority's blocks from the slots and each voter's precommits from the stored justifications, in the window only", () => {
    const n = signers.length
    assert.ok(n >= 2, 'the local spec has several authorities')
    // Slots 1…3n: each authority authors 3 blocks, in slot order.
    for (let slot = 1; slot <= 3 * n; slot++) {
      const signer = signers[slot % n]!
      chain.produceBlock(signer.publicKey, [], slot * BLOCK_TIME + 10, { signer, slot })
    }
    const voter = u8aToHex(signers[0]!.publicKey)
    const other = u8aToHex(signers[1]!.publicKey)
    // Block 2 finalized with precommits of two voters (one twice: counted once), block 5 with one.
    const justification = (voters: string[]) => new TextEncoder().encode(JSON.stringify({ precommits: voters.map((v) => ({ kind: 'precommit', voter: v })) }))
    chain.finalize(chain.hashAt(2)!, justification([voter, other, voter]))
    chain.finalize(chain.hashAt(5)!, justification([voter]))
    const ss58 = spec.properties.ss58Format
    const byAccount = (a: ReturnType<typeof validatorActivity>) => new Map(a.validators.map((v) => [v.account, v]))

    const all = validatorActivity(chain, chain.best, 1000, ss58)
    assert.equal(all.at.number, 3 * n)
    assert.equal(all.from, 1)
    assert.equal(all.finalized, 5)
    assert.equal(all.justified, 2)
    assert.equal(all.unknownAuthors, 0)
    const rows = byAccount(all)
    for (const s of signers) {
      const row = rows.get(encodeAddress(s.publicKey, ss58))!
      assert.equal(row.authored, 3, 'three slots each')
      assert.equal(row.current, true, 'an authority for the next block')
    }
    assert.deepEqual([rows.get(encodeAddress(voter, ss58))!.precommits, rows.get(encodeAddress(voter, ss58))!.lastPrecommit], [2, 5])
    assert.deepEqual([rows.get(encodeAddress(other, ss58))!.precommits, rows.get(encodeAddress(other, ss58))!.lastPrecommit], [1, 2])

    // The last 3 blocks only: none finalized, one block each for three authorities.
    const recent = validatorActivity(chain, chain.best, 3, ss58)
    assert.equal(recent.from, 3 * n - 2)
    assert.equal(recent.justified, 0)
    assert.equal(
      recent.validators.reduce((s, v) => s + v.authored, 0),
      3,
    )
    assert.equal(
      recent.validators.reduce((s, v) => s + v.precommits, 0),
      0,
    )
    const last = byAccount(recent).get(encodeAddress(signers[(3 * n) % n]!.publicKey, ss58))!
    assert.deepEqual([last.authored, last.lastAuthored], [1, 3 * n])
  })
})
