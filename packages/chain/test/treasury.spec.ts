/**
 * The Treasury pallet: Substrate 3.0's pallet_treasury (frame/treasury/src/lib.rs) as Crust configures
 * it (crustio/crust runtime/src/lib.rs:449-484: ProposalBond 5 %, ProposalBondMinimum 10 CRU,
 * SpendPeriod 7 days, Burn 0.2 %, ApproveOrigin root, OnSlash = Treasury), paying from the account
 * fees and slashes go to (DealWithFees: 80 % of fees to the treasury, runtime/src/lib.rs:678-685).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { CRU } from '../src/constants.js'
import { TotalIssuance } from '../src/pallets/balances.js'
import { Account } from '../src/pallets/system.js'
import { Approvals, BURN, PROPOSAL_BOND, PROPOSAL_BOND_MINIMUM, ProposalCount, Proposals, pot, proposalBond } from '../src/pallets/treasury.js'
import { TREASURY_ACCOUNT } from '../src/pallets/treasury-account.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { type DecodedEvent, ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, DAVE] = [dev('Alice'), dev('Bob'), dev('Dave')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const account = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data
const SPEND_PERIOD = 10
const harness = () => RuntimeHarness.create({ config: { spendPeriod: SPEND_PERIOD } })
const treasuryEvents = (events: DecodedEvent[]) => events.filter((e) => e.section === 'treasury').map((e) => [e.method, ...e.data.map(String)])
const fundPot = (h: RuntimeHarness, amount: bigint) =>
  assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(TREASURY_ACCOUNT), value: amount }), undefined)

describe('treasury', () => {
  it("behavior: Crust's parameters: bond 5 % with a 10 CRU minimum, burn 0.2 %, a spend period of 7 days (100_800 blocks)", () => {
    assert.equal(PROPOSAL_BOND, 50_000n)
    assert.equal(PROPOSAL_BOND_MINIMUM, 10n * CRU)
    assert.equal(BURN, 2_000n)
    assert.equal(defaultRuntimeConfig.spendPeriod, 7 * 14_400)
    assert.equal(proposalBond(100n * CRU), 10n * CRU, '5 CRU is below the minimum')
    assert.equal(proposalBond(1_000n * CRU), 50n * CRU)
    assert.equal(proposalBond(333n), 10n * CRU)
  })

  it('behavior: propose_spend reserves the bond and numbers proposals from 0 (Proposed); error: InsufficientProposersBalance', async () => {
    const h = await harness()
    const reserved = account(h, ALICE).reserved
    assert.equal(h.call(signed(ALICE), 'Treasury', 'propose_spend', { value: 1_000n * CRU, beneficiary: id(DAVE) }), undefined)
    assert.equal(h.call(signed(ALICE), 'Treasury', 'propose_spend', { value: 100n * CRU, beneficiary: id(DAVE) }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + 60n * CRU)
    assert.equal(ProposalCount.get(h.state), 2)
    assert.deepEqual(Proposals.get(h.state, 1), { proposer: ALICE, value: 100n * CRU, beneficiary: DAVE, bond: 10n * CRU })
    assert.deepEqual(treasuryEvents(h.endBlock()), [
      ['Proposed', '0'],
      ['Proposed', '1'],
    ])
    const poor = new Uint8Array(32).fill(0xee)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(poor), value: 9n * CRU }), undefined)
    assertError(h, h.call(signed(poor), 'Treasury', 'propose_spend', { value: CRU, beneficiary: id(DAVE) }), 'InsufficientProposersBalance')
    assert.equal(ProposalCount.get(h.state), 2)
  })

  it('behavior: approve_proposal and reject_proposal are root only (BadOrigin); error: InvalidIndex for an unknown proposal', async () => {
    const h = await harness()
    assert.equal(h.call(signed(ALICE), 'Treasury', 'propose_spend', { value: 100n * CRU, beneficiary: id(DAVE) }), undefined)
    assertError(h, h.call(signed(ALICE), 'Treasury', 'approve_proposal', { proposal_id: 0 }), 'BadOrigin')
    assertError(h, h.call(signed(ALICE), 'Treasury', 'reject_proposal', { proposal_id: 0 }), 'BadOrigin')
    assertError(h, h.call(ROOT, 'Treasury', 'approve_proposal', { proposal_id: 7 }), 'InvalidIndex')
    assertError(h, h.call(ROOT, 'Treasury', 'reject_proposal', { proposal_id: 7 }), 'InvalidIndex')
    assert.equal(h.call(ROOT, 'Treasury', 'approve_proposal', { proposal_id: 0 }), undefined)
    assert.deepEqual(Approvals.get(h.state), [0])
  })

  it('behavior: reject_proposal slashes the bond into the pot (Rejected, Treasury.Deposit); the total issuance is unchanged', async () => {
    const h = await harness()
    assert.equal(h.call(signed(ALICE), 'Treasury', 'propose_spend', { value: 1_000n * CRU, beneficiary: id(DAVE) }), undefined)
    h.endBlock()
    const [alice, treasury, issuance] = [account(h, ALICE), account(h, TREASURY_ACCOUNT).free, TotalIssuance.get(h.state)]
    assert.equal(h.call(ROOT, 'Treasury', 'reject_proposal', { proposal_id: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, alice.reserved - 50n * CRU)
    assert.equal(account(h, ALICE).free, alice.free)
    assert.equal(account(h, TREASURY_ACCOUNT).free, treasury + 50n * CRU)
    assert.equal(TotalIssuance.get(h.state), issuance)
    assert.equal(Proposals.contains(h.state, 0), false)
    assert.deepEqual(treasuryEvents(h.endBlock()), [
      ['Deposit', String(50n * CRU)],
      ['Rejected', '0', String(50n * CRU)],
    ])
  })

  it('behavior: at the spend period an approved proposal is paid and its bond returned; 0.2 % of the rest is burnt (Spending, Awarded, Burnt, Rollover)', async () => {
    const h = await harness()
    fundPot(h, 1_000n * CRU)
    assert.equal(pot({ state: h.state, config: h.runtime.config }), 1_000n * CRU, 'the pot is the free balance above the existential deposit')
    assert.equal(h.call(signed(BOB), 'Treasury', 'propose_spend', { value: 100n * CRU, beneficiary: id(DAVE) }), undefined)
    assert.equal(h.call(ROOT, 'Treasury', 'approve_proposal', { proposal_id: 0 }), undefined)
    h.runTo(SPEND_PERIOD - 1)
    const [bob, dave, treasury, issuance] = [account(h, BOB), account(h, DAVE).free, account(h, TREASURY_ACCOUNT).free, TotalIssuance.get(h.state)]
    assert.equal(Proposals.contains(h.state, 0), true, 'nothing is paid before the spend period')
    h.startBlock()
    const events = h.endBlock()
    // Budget 1_000 CRU; 100 CRU awarded; burn = 0.2 % × 900 CRU = 1.8 CRU; 898.2 CRU roll over.
    const burn = 1_800_000_000_000n
    assert.deepEqual(treasuryEvents(events), [
      ['Spending', String(1_000n * CRU)],
      ['Awarded', '0', String(100n * CRU), devAddress('Dave')],
      ['Burnt', String(burn)],
      ['Rollover', String(900n * CRU - burn)],
    ])
    assert.equal(account(h, DAVE).free, dave + 100n * CRU)
    assert.equal(account(h, BOB).reserved, bob.reserved - 10n * CRU)
    assert.equal(account(h, BOB).free, bob.free + 10n * CRU)
    assert.equal(account(h, TREASURY_ACCOUNT).free, treasury - 100n * CRU - burn)
    assert.equal(TotalIssuance.get(h.state), issuance - burn, 'only the burn leaves circulation')
    assert.deepEqual(Approvals.get(h.state), [])
    assert.equal(Proposals.contains(h.state, 0), false)
  })

  it('behavior: a proposal larger than the pot waits for a later spend period, and nothing is burnt meanwhile', async () => {
    const h = await harness()
    fundPot(h, 50n * CRU)
    assert.equal(h.call(signed(BOB), 'Treasury', 'propose_spend', { value: 100n * CRU, beneficiary: id(DAVE) }), undefined)
    assert.equal(h.call(ROOT, 'Treasury', 'approve_proposal', { proposal_id: 0 }), undefined)
    h.runTo(SPEND_PERIOD - 1)
    const dave = account(h, DAVE).free
    h.startBlock()
    assert.deepEqual(treasuryEvents(h.endBlock()), [
      ['Spending', String(50n * CRU)],
      ['Rollover', String(50n * CRU)],
    ])
    assert.deepEqual(Approvals.get(h.state), [0])
    assert.equal(account(h, DAVE).free, dave)
    fundPot(h, 50n * CRU)
    h.runTo(2 * SPEND_PERIOD)
    assert.equal(account(h, DAVE).free, dave + 100n * CRU)
    assert.deepEqual(Approvals.get(h.state), [])
  })

  it("behavior: 80 % of a signed extrinsic's fee reaches the pot with a Treasury.Deposit event (DealWithFees)", async () => {
    const h = await harness()
    const alice = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Alice')
    const treasury = account(h, TREASURY_ACCOUNT).free
    const { outcome } = h.submit(alice, 'Balances', 'transfer_keep_alive', { dest: id(BOB), value: CRU })
    assert.deepEqual(outcome, { included: true, success: true })
    const events = h.endBlock()
    const fee = BigInt(String(events.find((e) => e.method === 'TransactionFeePaid')!.data[1]))
    const deposit = events.find((e) => e.section === 'treasury' && e.method === 'Deposit')!
    assert.equal(BigInt(String(deposit.data[0])), (fee * 80n) / 100n)
    assert.equal(account(h, TREASURY_ACCOUNT).free, treasury + (fee * 80n) / 100n)
  })
})
