/**
 * The Identity pallet: Substrate 3.0's pallet_identity (frame/identity/src/lib.rs) with Crust's
 * deposits (crustio/crust runtime/src/lib.rs:313-320: BasicDeposit 5 CRU, FieldDeposit 1 CRU,
 * SubAccountDeposit 2 CRU, MaxSubAccounts 100, MaxAdditionalFields 100, MaxRegistrars 20).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { u8aToHex, u8aToString } from '@polkadot/util'
import { CRU } from '../src/constants.js'
import { TotalIssuance } from '../src/pallets/balances.js'
import {
  BASIC_DEPOSIT,
  data,
  FIELD_DEPOSIT,
  IDENTITY_FIELDS,
  IdentityOf,
  infoWithDisplay,
  rawData,
  Registrars,
  SUB_ACCOUNT_DEPOSIT,
  SubsOf,
  SuperOf,
} from '../src/pallets/identity/index.js'
import { Account } from '../src/pallets/system.js'
import { TREASURY_ACCOUNT } from '../src/pallets/treasury-account.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, CHARLIE, DAVE, EVE] = [dev('Alice'), dev('Bob'), dev('Charlie'), dev('Dave'), dev('Eve')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const unit = (tag: string) => ({ tag, value: undefined })
const account = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data
const field = (i: number) => [rawData(`key${i}`), rawData(`value${i}`)] as const

/** Bob is registrar 0 with a 3 CRU fee; Alice has an identity named "Alice". */
async function withRegistrar(): Promise<RuntimeHarness> {
  const h = await RuntimeHarness.create()
  assert.equal(h.call(ROOT, 'Identity', 'add_registrar', { account: BOB }), undefined)
  assert.equal(h.call(signed(BOB), 'Identity', 'set_fee', { index: 0, fee: 3n * CRU }), undefined)
  assert.equal(h.call(signed(ALICE), 'Identity', 'set_identity', { info: infoWithDisplay('Alice') }), undefined)
  h.endBlock()
  return h
}

describe('identity', () => {
  it('behavior: set_identity reserves BasicDeposit + FieldDeposit per additional field (5 + 2 × 1 CRU); a smaller identity returns the difference', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(BASIC_DEPOSIT, 5n * CRU)
    assert.equal(FIELD_DEPOSIT, 1n * CRU)
    const reserved = account(h, ALICE).reserved
    assert.equal(h.call(signed(ALICE), 'Identity', 'set_identity', { info: infoWithDisplay('Alice', [field(1), field(2)] as never) }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + 7n * CRU)
    assert.equal(IdentityOf.get(h.state, ALICE)!.deposit, 7n * CRU)
    assert.deepEqual(
      h
        .endBlock()
        .filter((e) => e.section === 'identity')
        .map((e) => e.method),
      ['IdentitySet'],
    )
    assert.equal(h.call(signed(ALICE), 'Identity', 'set_identity', { info: infoWithDisplay('Alice A.') }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + 5n * CRU)
    assert.equal(u8aToString(IdentityOf.get(h.state, ALICE)!.info.display.value as Uint8Array), 'Alice A.')
  })

  it("behavior: call weights are Crust's benchmarks at the declared bounds (runtime/src/weights/pallet_identity.rs; read 25·10^6, write 10^8)", async () => {
    const h = await RuntimeHarness.create()
    const weight = (name: string, args: Record<string, unknown>) => h.runtime.callInfo({ tag: 'Identity', value: { tag: name, value: args } }).weight
    // set_identity(R = 20, X = 100): 73_891_000 + 279_000·20 + 1_819_000·100 + 1 read + 1 write.
    assert.equal(weight('set_identity', { info: infoWithDisplay('Alice') }), 386_371_000n)
    // add_sub(S = 100): 73_298_000 + 183_000·100 + 3 reads + 2 writes.
    assert.equal(weight('add_sub', { sub: id(DAVE), data: rawData('d') }), 366_598_000n)
  })

  it('error: TooManyFields for 101 additional fields (MaxAdditionalFields 100); 100 are accepted with a 105 CRU deposit', async () => {
    const h = await RuntimeHarness.create()
    const fields = (n: number) => Array.from({ length: n }, (_, i) => field(i))
    assertError(h, h.call(signed(ALICE), 'Identity', 'set_identity', { info: infoWithDisplay('Alice', fields(101) as never) }), 'TooManyFields')
    assert.equal(IdentityOf.contains(h.state, ALICE), false)
    assert.equal(h.call(signed(ALICE), 'Identity', 'set_identity', { info: infoWithDisplay('Alice', fields(100) as never) }), undefined)
    assert.equal(IdentityOf.get(h.state, ALICE)!.deposit, 105n * CRU)
  })

  it('behavior: add_registrar is root only (BadOrigin signed); error: TooManyRegistrars past 20', async () => {
    const h = await RuntimeHarness.create()
    assertError(h, h.call(signed(ALICE), 'Identity', 'add_registrar', { account: BOB }), 'BadOrigin')
    for (let i = 0; i < 20; i++) assert.equal(h.call(ROOT, 'Identity', 'add_registrar', { account: BOB }), undefined)
    assertError(h, h.call(ROOT, 'Identity', 'add_registrar', { account: BOB }), 'TooManyRegistrars')
    const added = h.endBlock().filter((e) => e.method === 'RegistrarAdded')
    assert.deepEqual(
      added.map((e) => Number(e.data[0])),
      Array.from({ length: 20 }, (_, i) => i),
    )
    assert.deepEqual(Registrars.get(h.state)[19], { account: BOB, fee: 0n, fields: 0n })
  })

  it('behavior: set_fee, set_fields and set_account_id by the registrar; error: InvalidIndex from another account or an unknown index', async () => {
    const h = await withRegistrar()
    assertError(h, h.call(signed(ALICE), 'Identity', 'set_fee', { index: 0, fee: 1n }), 'InvalidIndex')
    assertError(h, h.call(signed(BOB), 'Identity', 'set_fee', { index: 1, fee: 1n }), 'InvalidIndex')
    const fields = BigInt(IDENTITY_FIELDS.Display | IDENTITY_FIELDS.Email)
    assert.equal(h.call(signed(BOB), 'Identity', 'set_fields', { index: 0, fields }), undefined)
    assert.equal(h.call(signed(BOB), 'Identity', 'set_account_id', { index: 0, new: CHARLIE }), undefined)
    assert.deepEqual(Registrars.get(h.state)[0], { account: CHARLIE, fee: 3n * CRU, fields })
    assertError(h, h.call(signed(BOB), 'Identity', 'set_fee', { index: 0, fee: 1n }), 'InvalidIndex')
  })

  it('behavior: request_judgement reserves the fee; provide_judgement(Reasonable) pays it to the registrar and records the judgement', async () => {
    const h = await withRegistrar()
    const [alice, bob] = [account(h, ALICE), account(h, BOB)]
    assert.equal(h.call(signed(ALICE), 'Identity', 'request_judgement', { reg_index: 0, max_fee: 3n * CRU }), undefined)
    assert.equal(account(h, ALICE).reserved, alice.reserved + 3n * CRU)
    assert.deepEqual(IdentityOf.get(h.state, ALICE)!.judgements, [[0, { tag: 'FeePaid', value: 3n * CRU }]])
    assert.equal(h.call(signed(BOB), 'Identity', 'provide_judgement', { reg_index: 0, target: id(ALICE), judgement: unit('Reasonable') }), undefined)
    assert.deepEqual(IdentityOf.get(h.state, ALICE)!.judgements, [[0, unit('Reasonable')]])
    assert.equal(account(h, ALICE).reserved, alice.reserved, 'the fee left the reserve')
    assert.equal(account(h, ALICE).free, alice.free - 3n * CRU)
    assert.equal(account(h, BOB).free, bob.free + 3n * CRU, 'and reached the registrar')
    const events = h
      .endBlock()
      .filter((e) => e.section === 'identity' || e.method === 'ReserveRepatriated')
      .map((e) => e.method)
    assert.deepEqual(events, ['JudgementRequested', 'ReserveRepatriated', 'JudgementGiven'])
  })

  it('error: request_judgement EmptyIndex, FeeChanged (max_fee below the fee), NoIdentity; provide_judgement InvalidJudgement (FeePaid), InvalidTarget, InvalidIndex', async () => {
    const h = await withRegistrar()
    assertError(h, h.call(signed(ALICE), 'Identity', 'request_judgement', { reg_index: 1, max_fee: 3n * CRU }), 'EmptyIndex')
    assertError(h, h.call(signed(ALICE), 'Identity', 'request_judgement', { reg_index: 0, max_fee: 3n * CRU - 1n }), 'FeeChanged')
    assertError(h, h.call(signed(DAVE), 'Identity', 'request_judgement', { reg_index: 0, max_fee: 3n * CRU }), 'NoIdentity')
    const judge = (who: Uint8Array, target: Uint8Array, judgement: unknown) =>
      h.call(signed(who), 'Identity', 'provide_judgement', { reg_index: 0, target: id(target), judgement })
    assertError(h, judge(BOB, ALICE, { tag: 'FeePaid', value: 1n }), 'InvalidJudgement')
    assertError(h, judge(BOB, DAVE, unit('KnownGood')), 'InvalidTarget')
    assertError(h, judge(CHARLIE, ALICE, unit('KnownGood')), 'InvalidIndex')
  })

  it('behavior: judgements are sticky only when FeePaid or Erroneous: set_identity drops KnownGood, keeps Erroneous; StickyJudgement then blocks a new request', async () => {
    const h = await withRegistrar()
    assert.equal(h.call(ROOT, 'Identity', 'add_registrar', { account: CHARLIE }), undefined)
    const judge = (who: Uint8Array, index: number, tag: string) =>
      h.call(signed(who), 'Identity', 'provide_judgement', { reg_index: index, target: id(ALICE), judgement: unit(tag) })
    assert.equal(judge(CHARLIE, 1, 'Erroneous'), undefined)
    assert.equal(judge(BOB, 0, 'KnownGood'), undefined)
    assert.deepEqual(
      IdentityOf.get(h.state, ALICE)!.judgements.map(([i, j]) => [i, j.tag]),
      [
        [0, 'KnownGood'],
        [1, 'Erroneous'],
      ],
      'ordered by registrar index',
    )
    assert.equal(h.call(signed(ALICE), 'Identity', 'set_identity', { info: infoWithDisplay('Alice 2') }), undefined)
    assert.deepEqual(
      IdentityOf.get(h.state, ALICE)!.judgements.map(([i, j]) => [i, j.tag]),
      [[1, 'Erroneous']],
    )
    assertError(h, h.call(signed(ALICE), 'Identity', 'request_judgement', { reg_index: 1, max_fee: 0n }), 'StickyJudgement')
  })

  it('behavior: cancel_request returns the fee (JudgementUnrequested); error: NotFound without a request, JudgementGiven after a verdict', async () => {
    const h = await withRegistrar()
    const reserved = account(h, ALICE).reserved
    assertError(h, h.call(signed(ALICE), 'Identity', 'cancel_request', { reg_index: 0 }), 'NotFound')
    assert.equal(h.call(signed(ALICE), 'Identity', 'request_judgement', { reg_index: 0, max_fee: 5n * CRU }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + 3n * CRU, 'the current fee, not max_fee')
    assert.equal(h.call(signed(ALICE), 'Identity', 'cancel_request', { reg_index: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved)
    assert.deepEqual(IdentityOf.get(h.state, ALICE)!.judgements, [])
    assert.ok(h.endBlock().some((e) => e.method === 'JudgementUnrequested'))
    assert.equal(h.call(signed(BOB), 'Identity', 'provide_judgement', { reg_index: 0, target: id(ALICE), judgement: unit('Reasonable') }), undefined)
    assertError(h, h.call(signed(ALICE), 'Identity', 'cancel_request', { reg_index: 0 }), 'JudgementGiven')
  })

  it('behavior: clear_identity returns the identity deposit, pending fees and the subs deposit (IdentityCleared 5 + 3 + 2 CRU); error: NotNamed', async () => {
    const h = await withRegistrar()
    const reserved = account(h, ALICE).reserved - BASIC_DEPOSIT
    assert.equal(h.call(signed(ALICE), 'Identity', 'request_judgement', { reg_index: 0, max_fee: 3n * CRU }), undefined)
    assert.equal(h.call(signed(ALICE), 'Identity', 'add_sub', { sub: id(DAVE), data: rawData('dave') }), undefined)
    assert.equal(h.call(signed(ALICE), 'Identity', 'clear_identity'), undefined)
    assert.equal(account(h, ALICE).reserved, reserved)
    assert.equal(IdentityOf.contains(h.state, ALICE), false)
    assert.equal(SuperOf.contains(h.state, DAVE), false)
    const cleared = h.endBlock().find((e) => e.method === 'IdentityCleared')!
    assert.equal(BigInt(String(cleared.data[1])), 10n * CRU)
    assertError(h, h.call(signed(ALICE), 'Identity', 'clear_identity'), 'NotNamed')
  })

  it('behavior: kill_identity (root) slashes every deposit into the treasury (Treasury.Deposit); the total issuance is unchanged', async () => {
    const h = await withRegistrar()
    assert.equal(h.call(signed(ALICE), 'Identity', 'add_sub', { sub: id(DAVE), data: rawData('dave') }), undefined)
    h.endBlock()
    const [alice, treasury, issuance] = [account(h, ALICE), account(h, TREASURY_ACCOUNT).free, TotalIssuance.get(h.state)]
    assertError(h, h.call(signed(BOB), 'Identity', 'kill_identity', { target: id(ALICE) }), 'BadOrigin')
    assert.equal(h.call(ROOT, 'Identity', 'kill_identity', { target: id(ALICE) }), undefined)
    assert.equal(account(h, ALICE).reserved, alice.reserved - 7n * CRU)
    assert.equal(account(h, ALICE).free, alice.free)
    assert.equal(account(h, TREASURY_ACCOUNT).free, treasury + 7n * CRU)
    assert.equal(TotalIssuance.get(h.state), issuance)
    const events = h.endBlock()
    assert.equal(BigInt(String(events.find((e) => e.section === 'treasury' && e.method === 'Deposit')!.data[0])), 7n * CRU)
    assert.equal(BigInt(String(events.find((e) => e.method === 'IdentityKilled')!.data[1])), 7n * CRU)
    assertError(h, h.call(ROOT, 'Identity', 'kill_identity', { target: id(ALICE) }), 'NotNamed')
  })

  it('behavior: set_subs reserves 2 CRU per sub and replaces the old subs; error: NotFound without an identity, AlreadyClaimed, TooManySubAccounts past 100', async () => {
    const h = await withRegistrar()
    const reserved = account(h, ALICE).reserved
    assertError(h, h.call(signed(DAVE), 'Identity', 'set_subs', { subs: [[EVE, rawData('eve')]] }), 'NotFound')
    assert.equal(
      h.call(signed(ALICE), 'Identity', 'set_subs', {
        subs: [
          [DAVE, rawData('dave')],
          [EVE, rawData('eve')],
        ],
      }),
      undefined,
    )
    assert.equal(account(h, ALICE).reserved, reserved + 2n * SUB_ACCOUNT_DEPOSIT)
    assert.deepEqual(SubsOf.get(h.state, ALICE), [4n * CRU, [DAVE, EVE]])
    assert.deepEqual(SuperOf.get(h.state, EVE), [ALICE, rawData('eve')])
    assert.equal(h.call(signed(ALICE), 'Identity', 'set_subs', { subs: [[EVE, rawData('eve 2')]] }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + SUB_ACCOUNT_DEPOSIT)
    assert.equal(SuperOf.contains(h.state, DAVE), false)
    assert.equal(h.call(signed(BOB), 'Identity', 'set_identity', { info: infoWithDisplay('Bob') }), undefined)
    assertError(h, h.call(signed(BOB), 'Identity', 'set_subs', { subs: [[EVE, rawData('mine')]] }), 'AlreadyClaimed')
    const many = Array.from({ length: 101 }, (_, i) => [new Uint8Array(32).fill(i + 1), rawData(`s${i}`)])
    assertError(h, h.call(signed(ALICE), 'Identity', 'set_subs', { subs: many }), 'TooManySubAccounts')
    assert.equal(h.call(signed(ALICE), 'Identity', 'set_subs', { subs: [] }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved)
    assert.equal(SubsOf.contains(h.state, ALICE), false)
  })

  it('behavior: add_sub, rename_sub, remove_sub by the main account; quit_sub by the sub repatriates its 2 CRU deposit to the sub; error: AlreadyClaimed, NotOwned, NotSub', async () => {
    const h = await withRegistrar()
    const alice = account(h, ALICE)
    assert.equal(h.call(signed(ALICE), 'Identity', 'add_sub', { sub: id(DAVE), data: rawData('dave') }), undefined)
    assert.equal(h.call(signed(ALICE), 'Identity', 'add_sub', { sub: id(EVE), data: rawData('eve') }), undefined)
    assert.equal(account(h, ALICE).reserved, alice.reserved + 4n * CRU)
    assert.equal(h.call(signed(BOB), 'Identity', 'set_identity', { info: infoWithDisplay('Bob') }), undefined)
    assertError(h, h.call(signed(BOB), 'Identity', 'add_sub', { sub: id(DAVE), data: rawData('d') }), 'AlreadyClaimed')
    assertError(h, h.call(signed(BOB), 'Identity', 'rename_sub', { sub: id(DAVE), data: rawData('d') }), 'NotOwned')
    assertError(h, h.call(signed(BOB), 'Identity', 'remove_sub', { sub: id(DAVE) }), 'NotOwned')
    assertError(h, h.call(signed(ALICE), 'Identity', 'remove_sub', { sub: id(CHARLIE) }), 'NotSub')
    assert.equal(h.call(signed(ALICE), 'Identity', 'rename_sub', { sub: id(DAVE), data: rawData('David') }), undefined)
    assert.deepEqual(SuperOf.get(h.state, DAVE), [ALICE, rawData('David')])
    assert.equal(h.call(signed(ALICE), 'Identity', 'remove_sub', { sub: id(DAVE) }), undefined)
    assert.equal(account(h, ALICE).reserved, alice.reserved + 2n * CRU)
    const eve = account(h, EVE).free
    assert.equal(h.call(signed(EVE), 'Identity', 'quit_sub'), undefined)
    assert.equal(account(h, EVE).free, eve + 2n * CRU, 'the sub, not the depositor, gets the deposit')
    assert.equal(account(h, ALICE).reserved, alice.reserved)
    assert.deepEqual(SubsOf.get(h.state, ALICE), [0n, []])
    assertError(h, h.call(signed(EVE), 'Identity', 'quit_sub'), 'NotSub')
    assert.deepEqual(
      h
        .endBlock()
        .filter((e) => e.method.startsWith('SubIdentity'))
        .map((e) => e.method),
      ['SubIdentityAdded', 'SubIdentityAdded', 'SubIdentityRemoved', 'SubIdentityRevoked'],
    )
  })

  it('property: Data encodes as @polkadot/types Data does (None 0x00, Raw n+1 then the bytes, BlakeTwo256 0x22 + hash); leading bytes above 37 and unknown field bits do not decode', async () => {
    const h = await RuntimeHarness.create()
    const registry = h.runtime.registry
    const cases: Array<[Parameters<typeof data.codec.enc>[0], unknown]> = [
      [{ tag: 'None', value: undefined }, { None: null }],
      [rawData('Alice'), { Raw: 'Alice' }],
      [rawData(''), { Raw: '' }],
      [rawData('x'.repeat(32)), { Raw: 'x'.repeat(32) }],
      [{ tag: 'BlakeTwo256', value: new Uint8Array(32).fill(7) }, { BlakeTwo256: new Uint8Array(32).fill(7) }],
      [{ tag: 'ShaThree256', value: new Uint8Array(32).fill(9) }, { ShaThree256: new Uint8Array(32).fill(9) }],
    ]
    for (const [ours, theirs] of cases) {
      const bytes = data.codec.enc(ours)
      assert.equal(u8aToHex(bytes), registry.createType('Data', theirs).toHex())
      assert.deepEqual(data.codec.dec(bytes), ours)
    }
    assert.equal(u8aToHex(data.codec.enc(rawData('Alice'))), '0x06416c696365')
    assert.throws(() => data.codec.dec(Uint8Array.of(38)))
    assert.throws(() => data.codec.enc(rawData('x'.repeat(33))))
    const setFields = (fields: bigint) => h.runtime.encodeCall({ tag: 'Identity', value: { tag: 'set_fields', value: { index: 0, fields } } })
    assert.doesNotThrow(() => h.runtime.decodeCall(setFields(255n)))
    const bad = setFields(255n)
    bad[bad.length - 8] = 0 // low byte of the u64
    bad[bad.length - 7] = 1 // bit 8: no such field
    assert.throws(() => h.runtime.decodeCall(bad))
  })

  it('behavior: IdentityOf bytes decode with the metadata as api-derive reads them (info.display.asRaw, judgements)', async () => {
    const h = await withRegistrar()
    assert.equal(h.call(signed(BOB), 'Identity', 'provide_judgement', { reg_index: 0, target: id(ALICE), judgement: unit('KnownGood') }), undefined)
    const raw = h.state.get(IdentityOf.key(ALICE))!
    const md = h.runtime.registry.metadata.pallets.find((p) => p.name.eq('Identity'))!
    const item = md.storage.unwrap().items.find((i) => i.name.eq('IdentityOf'))!
    const typeId = item.type.asMap.value
    const decoded = h.runtime.registry.createType(h.runtime.registry.createLookupType(typeId) as never, raw) as unknown as {
      info: { display: { isRaw: boolean; asRaw: { toU8a(bare: boolean): Uint8Array } }; pgpFingerprint: { isNone: boolean } }
      judgements: Array<[{ toNumber(): number }, { isKnownGood: boolean }]>
      deposit: { toBigInt(): bigint }
    }
    assert.equal(decoded.info.display.isRaw, true)
    assert.equal(u8aToString(decoded.info.display.asRaw.toU8a(true)), 'Alice')
    assert.equal(decoded.info.pgpFingerprint.isNone, true)
    assert.equal(decoded.judgements[0]![0].toNumber(), 0)
    assert.equal(decoded.judgements[0]![1].isKnownGood, true)
    assert.equal(decoded.deposit.toBigInt(), 5n * CRU)
  })
})
