/**
 * Equivocation: a chain notices two blocks sealed by one author for one slot (at import and at
 * production), and `Staking.report_equivocation` verifies block and vote evidence (bound to this
 * chain, a bounded age and the era's authorities), reports the offence through the Offences pallet
 * (Substrate's min((3k/n)², 1) fraction), which slashes the offender (UnappliedSlashes with the
 * reporter) once per time slot, and refuses bad, foreign, stale or repeated reports.
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
import { defaultRuntimeConfig, type RuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'
import { ConcurrentReportsIndex, equivocationSlashFraction, PERBILL, perbillFromRational, Reports } from '../src/pallets/offences/index.js'
import { ErasAuthorities, EquivocationKind, MAX_OFFENCE_AGE_ERAS, StakeLimit, UnappliedSlashes, voteEvidence } from '../src/pallets/staking/index.js'
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
const DAVE = dev('Dave')
const EVE = dev('Eve')
const REPORTER = dev('Ferdie')
const BOND = 1000n * CRU
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

/** Alice, Bob, Charlie and Dave bond and validate; era 1 (blocks 11..20, one session) elects all four (none is invulnerable). */
async function setup(config: Partial<RuntimeConfig> = {}): Promise<RuntimeHarness> {
  const h = await RuntimeHarness.create({ config: { eraLength: ERA, ...config } })
  h.startBlock()
  for (const [stash, c] of [
    [ALICE, 1],
    [BOB, 2],
    [CHARLIE, 3],
    [DAVE, 4],
  ] as const) {
    assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value: BOND }), undefined)
    assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    StakeLimit.insert(h.state, stash, 5000n * CRU)
  }
  assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 4 }), undefined)
  h.endBlock()
  h.runTo(ERA)
  assert.equal(ErasAuthorities.get(h.state, 1).length, 4)
  return h
}

/**
 * A sealed header of block `number` for `slot`; a child of this chain's block `number − 1` (the
 * harness' parent hash of block n is n % 256 repeated) unless `parentHash` is given.
 */
function sealedHeader(signer: BlockSigner, slot: number, fill: number, number = 11, parentHash = new Uint8Array(32).fill(number % 256)): Uint8Array {
  const header: Header = {
    parentHash,
    number,
    stateRoot: new Uint8Array(32).fill(fill),
    extrinsicsRoot: new Uint8Array(32).fill(3),
    digest: [auraPreDigest(slot)],
  }
  return encodeHeader(sealHeader(header, signer))
}

function signedVote(signer: BlockSigner, genesis: Uint8Array, round: number, target: number, setId = 1): Uint8Array {
  const le = (value: number, bytes: number) => {
    const out = new Uint8Array(bytes)
    if (bytes === 8) new DataView(out.buffer).setBigUint64(0, BigInt(value), true)
    else new DataView(out.buffer).setUint32(0, value, true)
    return out
  }
  const payload = u8aConcat(genesis, [1], le(setId, 8), le(round, 8), new Uint8Array(32).fill(target), le(target, 4))
  return voteEvidence(payload, signer.sign(payload))
}

describe('Offences: slash fraction', () => {
  it("behavior: equivocation slashes Substrate's min((3k/n)², 1) in Perbill, rounding down", () => {
    assert.equal(equivocationSlashFraction(1, 4), 562_500_000n, '(3/4)² = 56.25 %')
    assert.equal(equivocationSlashFraction(2, 4), PERBILL, '(6/4)² capped at 100 %')
    assert.equal(equivocationSlashFraction(1, 3), PERBILL)
    assert.equal(equivocationSlashFraction(1, 100), 900_000n, '0.09 %')
    assert.equal(equivocationSlashFraction(1, 1000), 9_000n)
    assert.equal(equivocationSlashFraction(1, 7), 183_673_468n, 'from_rational(3, 7) = 428_571_428 parts, squared and rounded down')
    assert.equal(perbillFromRational(1n, 0n), PERBILL)
  })
})

describe('Staking.report_equivocation', () => {
  let alice: BlockSigner
  let bob: BlockSigner
  let eve: BlockSigner

  before(async () => {
    await cryptoWaitReady()
    alice = signerFromUri('//Alice')
    bob = signerFromUri('//Bob')
    eve = signerFromUri('//Eve')
  })

  const report = (h: RuntimeHarness, kind: number, first: Uint8Array, second: Uint8Array, offender = ALICE) =>
    h.call(signed(REPORTER), 'Staking', 'report_equivocation', { offender, kind, first, second })
  const slashOf = (h: RuntimeHarness, era: number, who: Uint8Array) => UnappliedSlashes.get(h.state, era).filter((s) => u8aToHex(s.validator) === u8aToHex(who))

  it('behavior: two sealed children of this chain for one slot slash (3·1/4)² = 56.25 % of the exposure once per session, with the reporter', async () => {
    const h = await setup()
    h.runTo(12)
    h.startBlock()
    assert.equal(report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), sealedHeader(alice, 7, 5)), undefined)
    const slashes = UnappliedSlashes.get(h.state, 1)
    assert.equal(slashes.length, 1)
    assert.equal(u8aToHex(slashes[0]!.validator), u8aToHex(ALICE))
    assert.equal(slashes[0]!.own, (BOND * 562_500_000n) / PERBILL)
    assert.deepEqual(
      slashes[0]!.reporters.map((r) => u8aToHex(r)),
      [u8aToHex(REPORTER)],
    )
    // Recorded in the offences pallet under (kind, session 1).
    const session1 = Uint8Array.of(1, 0, 0, 0)
    const ids = ConcurrentReportsIndex.get(h.state, new TextEncoder().encode('aura:equivocatio'), session1)
    assert.equal(ids.length, 1)
    assert.equal(u8aToHex(Reports.get(h.state, ids[0]!)!.offender), u8aToHex(ALICE))
    // The same offence again (the same pair, or another equivocation in the same session) slashes nothing more.
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 6), sealedHeader(alice, 7, 4)), 'DuplicateEquivocationReport')
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 9, 6, 12), sealedHeader(alice, 9, 7, 12)), 'DuplicateEquivocationReport')
    assert.equal(UnappliedSlashes.get(h.state, 1).length, 1)
    const events = h.endBlock()
    assert.equal(events.filter((e) => e.section === 'staking' && e.method === 'EquivocationReported').length, 1)
    assert.equal(events.filter((e) => e.section === 'offences' && e.method === 'Offence').length, 1)
  })

  it('behavior: a second offender in the session raises the fraction for both: (3·2/4)² capped at 100 %', async () => {
    const h = await setup()
    h.runTo(12)
    h.startBlock()
    assert.equal(report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), sealedHeader(alice, 7, 5)), undefined)
    assert.equal(report(h, EquivocationKind.BLOCK, sealedHeader(bob, 8, 4, 12), sealedHeader(bob, 8, 5, 12), BOB), undefined)
    assert.equal(slashOf(h, 1, BOB)[0]!.own, BOND)
    // Alice's slash grows from 56.25 % to 100 %: a second record with the difference.
    assert.deepEqual(
      slashOf(h, 1, ALICE).map((s) => s.own),
      [(BOND * 562_500_000n) / PERBILL, BOND - (BOND * 562_500_000n) / PERBILL],
    )
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

  it('error: headers of another chain (a testnet reusing the key) are EquivocationFromOtherChain, also paired with one of ours', async () => {
    const h = await setup()
    h.startBlock()
    const foreign = (fill: number) => sealedHeader(alice, 7, fill, 11, new Uint8Array(32).fill(0xee))
    assertError(h, report(h, EquivocationKind.BLOCK, foreign(4), foreign(5)), 'EquivocationFromOtherChain')
    // The same slot on a chain with the same block time: one real header and one foreign one.
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), foreign(5)), 'EquivocationFromOtherChain')
    // A block number this chain has not reached.
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4, 12), sealedHeader(alice, 7, 5, 12)), 'EquivocationFromOtherChain')
    assert.deepEqual(UnappliedSlashes.get(h.state, 1), [])
  })

  it('error: an offender outside the authority set of its era is NotAnAuthority', async () => {
    const h = await setup()
    h.startBlock()
    // Eve never validated.
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(eve, 7, 4), sealedHeader(eve, 7, 5), EVE), 'NotAnAuthority')
    // Block 5 was sealed by era 0's authorities (the dev spec's Alice//stash), not by Bob.
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(bob, 3, 4, 5), sealedHeader(bob, 3, 5, 5), BOB), 'NotAnAuthority')
    assertError(
      h,
      report(h, EquivocationKind.VOTE, signedVote(bob, BlockHash.get(h.state, 0), 3, 7, 0), signedVote(bob, BlockHash.get(h.state, 0), 3, 8, 0), BOB),
      'NotAnAuthority',
    )
    assert.deepEqual(UnappliedSlashes.get(h.state, 1), [])
  })

  it('error: an offence older than MaxOffenceAge eras, or a block older than BlockHashCount, is StaleEquivocation', async () => {
    const h = await setup()
    const genesis = BlockHash.get(h.state, 0)
    h.runTo(ERA * (2 + MAX_OFFENCE_AGE_ERAS))
    h.startBlock()
    assertError(h, report(h, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), sealedHeader(alice, 7, 5)), 'StaleEquivocation')
    assertError(h, report(h, EquivocationKind.VOTE, signedVote(alice, genesis, 3, 7), signedVote(alice, genesis, 3, 8)), 'StaleEquivocation')
    // One era younger is still reportable.
    const recent = 1 + ERA * (1 + MAX_OFFENCE_AGE_ERAS)
    assert.equal(report(h, EquivocationKind.BLOCK, sealedHeader(alice, 70, 4, recent), sealedHeader(alice, 70, 5, recent)), undefined)

    // Within the era window but past BlockHashCount: the parent hash can no longer be checked.
    const short = await setup({ blockHashCount: 5 })
    short.runTo(17)
    short.startBlock()
    assertError(short, report(short, EquivocationKind.BLOCK, sealedHeader(alice, 7, 4), sealedHeader(alice, 7, 5)), 'StaleEquivocation')
    assert.equal(report(short, EquivocationKind.BLOCK, sealedHeader(alice, 9, 4, 14), sealedHeader(alice, 9, 5, 14)), undefined)
  })

  it('behavior: two signed votes of one round for different targets slash the voter; error: same target, other round, bad signature, other genesis', async () => {
    const h = await setup()
    h.startBlock()
    const genesis = BlockHash.get(h.state, 0)
    const first = signedVote(alice, genesis, 3, 7)
    assertError(h, report(h, EquivocationKind.VOTE, first, signedVote(alice, genesis, 3, 7)), 'InvalidEquivocationProof')
    assertError(h, report(h, EquivocationKind.VOTE, first, signedVote(alice, genesis, 4, 8)), 'InvalidEquivocationProof')
    const forged = signedVote(alice, genesis, 3, 8)
    forged[forged.length - 1]! ^= 1
    assertError(h, report(h, EquivocationKind.VOTE, first, forged), 'InvalidEquivocationProof')
    const otherGenesis = new Uint8Array(32).fill(9)
    assertError(h, report(h, EquivocationKind.VOTE, signedVote(alice, otherGenesis, 3, 7), signedVote(alice, otherGenesis, 3, 8)), 'EquivocationFromOtherChain')
    assert.equal(report(h, EquivocationKind.VOTE, first, signedVote(alice, genesis, 3, 8)), undefined)
    assert.equal(UnappliedSlashes.get(h.state, 1)[0]!.own, (BOND * 562_500_000n) / PERBILL)
    assertError(h, report(h, EquivocationKind.VOTE, signedVote(alice, genesis, 3, 9), first), 'DuplicateEquivocationReport')
  })
})
