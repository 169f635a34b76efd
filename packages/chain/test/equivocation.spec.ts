/**
 * Equivocation: a chain notices two blocks sealed by one author for one slot (at import and at
 * production), and `Staking.report_equivocation` verifies block and vote evidence, slashes the
 * offender (UnappliedSlashes with the reporter) and refuses bad or repeated reports.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { u8aConcat, u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { auraPreDigest, type BlockSigner, sealHeader, signerFromUri } from '../src/primitives/aura.js'
import { type BlockEquivocation, Chain } from '../src/chain/index.js'
import { encodeHeader, type Header } from '../src/primitives/header.js'
import { CRU } from '../src/constants.js'
import { ChainDatabase } from '../src/db/index.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'
import { EquivocationKind, StakeLimit, UnappliedSlashes, voteEvidence } from '../src/pallets/staking/index.js'
import { BlockHash } from '../src/pallets/system.js'
import { accountIdOf, builtinSpec, devAddress, LOCAL_AUTHORITIES } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const BLOCK_TIME = 1000
const ERA = 10
const dev = (name: string) => accountIdOf(devAddress(name))
const ALICE = dev('Alice')
const BOB = dev('Bob')
const CHARLIE = dev('Charlie')
const ctrl = (n: number) => new Uint8Array(32).fill(n)
const id = (value: Uint8Array) => ({ tag: 'Id', value })

describe('Chain: block equivocation detection', () => {
  const dirs: string[] = []
  const dbs: ChainDatabase[] = []
  let runtime: Runtime
  let signers: BlockSigner[]

  before(async () => {
    await cryptoWaitReady()
    runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
    signers = LOCAL_AUTHORITIES.map((name) => signerFromUri(`//${name}`))
  })

  after(async () => {
    for (const db of dbs) await db.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  function openChain(): Chain {
    const dir = mkdtempSync(join(tmpdir(), 'crust-equivocation-'))
    dirs.push(dir)
    const db = ChainDatabase.open(dir)
    dbs.push(db)
    return Chain.open(db, runtime, builtinSpec('local')!, { finality: 'external' })
  }

  it('behavior: a second block by the same author for one slot is reported with both headers, at import and at production', () => {
    const a = openChain()
    const b = openChain()
    const seenA: BlockEquivocation[] = []
    const seenB: BlockEquivocation[] = []
    a.on('equivocation', (e) => seenA.push(e))
    b.on('equivocation', (e) => seenB.push(e))
    const signer = signers[1]!
    const first = a.produceBlock(signer.publicKey, [], BLOCK_TIME + 10, { signer, slot: 1 })
    const second = a.produceBlock(signer.publicKey, [], BLOCK_TIME + 20, { signer, slot: 1, parent: a.genesis })
    assert.notEqual(first.block.hashHex, second.block.hashHex)
    assert.equal(seenA.length, 1)
    for (const block of [first, second]) b.importBlock(a.headerBytesOf(block.block.hash)!, block.extrinsics)
    assert.equal(seenB.length, 1)
    const e = seenB[0]!
    assert.equal(e.slot, 1)
    assert.equal(u8aToHex(e.author), u8aToHex(signer.publicKey))
    assert.equal(u8aToHex(e.first), u8aToHex(a.headerBytesOf(first.block.hash)!))
    assert.equal(u8aToHex(e.second), u8aToHex(a.headerBytesOf(second.block.hash)!))
    // Importing a known block again is not evidence.
    b.importBlock(a.headerBytesOf(first.block.hash)!, first.extrinsics)
    assert.equal(seenB.length, 1)
  })

  it('behavior: blocks of different slots by the same author are no equivocation', () => {
    const a = openChain()
    const seen: BlockEquivocation[] = []
    a.on('equivocation', (e) => seen.push(e))
    const signer = signers[1]!
    a.produceBlock(signer.publicKey, [], BLOCK_TIME + 10, { signer, slot: 1 })
    a.produceBlock(signer.publicKey, [], 5 * BLOCK_TIME + 10, { signer, slot: 5 })
    assert.equal(seen.length, 0)
  })
})

/** Alice and Bob bond and validate; era 1 elects them (neither is invulnerable). */
async function setup(): Promise<RuntimeHarness> {
  const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
  h.startBlock()
  for (const [stash, c] of [
    [ALICE, 1],
    [BOB, 2],
  ] as const) {
    assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value: 1000n * CRU }), undefined)
    assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    StakeLimit.insert(h.state, stash, 5000n * CRU)
  }
  assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 2 }), undefined)
  h.endBlock()
  h.runTo(ERA)
  return h
}

function sealedHeader(signer: BlockSigner, slot: number, fill: number): Uint8Array {
  const header: Header = {
    parentHash: new Uint8Array(32).fill(1),
    number: 5,
    stateRoot: new Uint8Array(32).fill(fill),
    extrinsicsRoot: new Uint8Array(32).fill(3),
    digest: [auraPreDigest(slot)],
  }
  return encodeHeader(sealHeader(header, signer))
}

function signedVote(signer: BlockSigner, genesis: Uint8Array, round: number, target: number): Uint8Array {
  const le = (value: number, bytes: number) => {
    const out = new Uint8Array(bytes)
    if (bytes === 8) new DataView(out.buffer).setBigUint64(0, BigInt(value), true)
    else new DataView(out.buffer).setUint32(0, value, true)
    return out
  }
  const payload = u8aConcat(genesis, [1], le(0, 8), le(round, 8), new Uint8Array(32).fill(target), le(target, 4))
  return voteEvidence(payload, signer.sign(payload))
}

describe('Staking.report_equivocation', () => {
  let alice: BlockSigner
  let bob: BlockSigner

  before(async () => {
    await cryptoWaitReady()
    alice = signerFromUri('//Alice')
    bob = signerFromUri('//Bob')
  })

  const report = (h: RuntimeHarness, kind: number, first: Uint8Array, second: Uint8Array, offender = ALICE) =>
    h.call(signed(CHARLIE), 'Staking', 'report_equivocation', { offender, kind, first, second })

  it('behavior: two sealed headers of one slot slash the author by 10 % of its exposure, with the reporter; a repeat is refused', async () => {
    const h = await setup()
    h.startBlock()
    assert.equal(report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), sealedHeader(alice, 7, 5)), undefined)
    const slashes = UnappliedSlashes.get(h.state, 1)
    assert.equal(slashes.length, 1)
    assert.equal(u8aToHex(slashes[0]!.validator), u8aToHex(ALICE))
    assert.equal(slashes[0]!.own, 100n * CRU)
    assert.deepEqual(slashes[0]!.reporters.map((r) => u8aToHex(r)), [u8aToHex(CHARLIE)])
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 6), sealedHeader(alice, 7, 4)), 'DuplicateEquivocationReport')
    const events = h.endBlock().filter((e) => e.section === 'staking' && e.method === 'EquivocationReported')
    assert.equal(events.length, 1)
  })

  it('error: block evidence that proves nothing is refused as InvalidEquivocationProof', async () => {
    const h = await setup()
    h.startBlock()
    const one = sealedHeader(alice, 7, 4)
    assertError(h, report(h, EquivocationKind.BLOCK, one, one), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.BLOCK, one, sealedHeader(alice, 8, 5)), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.BLOCK, one, sealedHeader(bob, 7, 5)), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(bob, 7, 4), sealedHeader(bob, 7, 5)), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.BLOCK, one, new Uint8Array([1, 2, 3])), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), sealedHeader(alice, 7, 5), CHARLIE), 'InvalidEquivocationProof')
    assertError(h, report(h, 2, one, sealedHeader(alice, 7, 5)), 'InvalidEquivocationProof')
    assert.deepEqual(UnappliedSlashes.get(h.state, 1), [])
  })

  it('behavior: two signed votes of one round for different targets slash the voter; error: same target, other round or bad signature', async () => {
    const h = await setup()
    h.startBlock()
    const genesis = BlockHash.get(h.state, 0)
    const first = signedVote(alice, genesis, 3, 7)
    assertError(h, report(h, EquivocationKind.VOTE, first, signedVote(alice, genesis, 3, 7)), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.VOTE, first, signedVote(alice, genesis, 4, 8)), 'InvalidEquivocationProof')
    const forged = signedVote(alice, genesis, 3, 8)
    forged[forged.length - 1]! ^= 1
    assertError(h, report(h, EquivocationKind.VOTE, first, forged), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.VOTE, first, signedVote(alice, new Uint8Array(32).fill(9), 3, 8)), 'InvalidEquivocationProof')
    assert.equal(report(h, EquivocationKind.VOTE, first, signedVote(alice, genesis, 3, 8)), undefined)
    assert.equal(UnappliedSlashes.get(h.state, 1)[0]!.own, 100n * CRU)
    assertError(h, report(h, EquivocationKind.VOTE, signedVote(alice, genesis, 3, 9), first), 'DuplicateEquivocationReport')
  })
})
