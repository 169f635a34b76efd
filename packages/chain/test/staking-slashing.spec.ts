/**
 * Staking (GPoS) slashing as Crust's: the slash arithmetic (own stake and guarantors pro rata to
 * their exposure), max-per-era and span bookkeeping, deferral by SlashDeferDuration eras,
 * cancel_deferred_slash, slashes beyond the bond, unbonding chunks, slashed value to the treasury.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { freeBalance, TotalIssuance } from '../src/pallets/balances.js'
import {
  applySlash,
  BondedEras,
  DisabledValidators,
  EarliestUnappliedSlash,
  endSpan,
  ErasStakers,
  ForceEra,
  GuarantorSlashInEra,
  Ledger,
  pruneSpans,
  reportOffence,
  SLASH_DEFER_DURATION,
  SessionValidators,
  SlashingSpans,
  slashLedger,
  SlashRewardFraction,
  SpanSlash,
  spansOf,
  StakeLimit,
  UnappliedSlashes,
  ValidatorSlashInEra,
  Validators,
} from '../src/pallets/staking/index.js'
import { TREASURY_ACCOUNT } from '../src/pallets/transaction-payment.js'
import { devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { ALICE, BOB, CHARLIE, DAVE, EVE, ctrl, id } from './fixtures/staking-env.js'
import { assertError } from './fixtures/swork-env.js'

const ERA = 10
const PERCENT = 10_000_000n
const ctxOf = (h: RuntimeHarness) => ({ state: h.state, config: h.runtime.config, deposit: () => {} })
const slashEvents = (h: RuntimeHarness) =>
  h.lastEvents.filter((e) => e.section === 'staking' && e.method === 'Slash').map((e) => `Slash(${e.data.map(String).join(',')})`)

interface Setup {
  /** Alice's own bond. */
  own: bigint
  /** [stash, controller byte, bond, votes for Alice]. */
  guarantors?: Array<[Uint8Array, number, bigint, bigint]>
  limit: bigint
}

/** Alice (and Bob, so that there are two candidates) validate; the guarantors back Alice; era 1 elects them. */
async function setup(s: Setup): Promise<RuntimeHarness> {
  const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
  h.startBlock()
  for (const [stash, c, value] of [
    [ALICE, 1, s.own],
    [BOB, 2, 1000n * CRU],
  ] as const) {
    assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value }), undefined)
    assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
  }
  for (const [stash, c, value, votes] of s.guarantors ?? []) {
    assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value }), undefined)
    assert.equal(h.call(signed(ctrl(c)), 'Staking', 'guarantee', { target_tuple: [id(ALICE), votes] }), undefined)
  }
  assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 2 }), undefined)
  StakeLimit.insert(h.state, ALICE, s.limit)
  StakeLimit.insert(h.state, BOB, 1000n * CRU)
  h.endBlock()
  h.runTo(ERA)
  return h
}

/** Runs to the first block of `era`. */
const runToEra = (h: RuntimeHarness, era: number) => h.runTo(era * ERA)

describe("staking: slashing spans (Crust's slashing.rs unit cases)", () => {
  it('behavior: spans are listed latest first from the prior lengths', () => {
    const spans = { span_index: 10, last_start: 1000, last_nonzero_slash: 0, prior: [10, 9, 8, 10] }
    assert.deepEqual(spansOf(spans), [
      { index: 10, start: 1000, length: undefined },
      { index: 9, start: 990, length: 10 },
      { index: 8, start: 981, length: 9 },
      { index: 7, start: 973, length: 8 },
      { index: 6, start: 963, length: 10 },
    ])
  })

  it("behavior: pruning drops the spans that ended before the window and moves the open span's start up", () => {
    const spans = { span_index: 10, last_start: 1000, last_nonzero_slash: 0, prior: [10, 9, 8, 10] }
    assert.deepEqual(pruneSpans(spans, 981), [6, 8])
    assert.deepEqual(spans.prior, [10, 9])
    assert.equal(pruneSpans(spans, 982), undefined)
    assert.deepEqual(pruneSpans(spans, 1000), [8, 10])
    assert.equal(pruneSpans(spans, 2000), undefined)
    assert.deepEqual(spansOf(spans), [{ index: 10, start: 2000, length: undefined }])
  })

  it('behavior: ending a span opens the next at now + 1, and not twice for the same era', () => {
    const spans = { span_index: 1, last_start: 10, last_nonzero_slash: 0, prior: [] as number[] }
    assert.equal(endSpan(spans, 10), true)
    assert.equal(endSpan(spans, 15), true)
    assert.equal(endSpan(spans, 15), false)
    assert.deepEqual(spansOf(spans), [
      { index: 3, start: 16, length: undefined },
      { index: 2, start: 11, length: 5 },
      { index: 1, start: 10, length: 1 },
    ])
  })
})

describe('staking: slash arithmetic', () => {
  it('behavior: validator only — 10 % of a 1_000 CRU exposure is deferred 108 eras, then 100 CRU go to the treasury', async () => {
    const h = await setup({ own: 1000n * CRU, limit: 5000n * CRU })
    assert.equal(ErasStakers.get(h.state, 1, ALICE).total, 1000n * CRU)
    assert.equal(SlashRewardFraction.get(h.state), 100_000_000)
    h.startBlock()
    const result = reportOffence(ctxOf(h), [ALICE], 10n * PERCENT, 1)
    // Reporters' reward: 50 % × 10 % × 100 CRU = 5 CRU (kept by the treasury while there are no reporters).
    assert.deepEqual(result.slashes, [{ validator: ALICE, own: 100n * CRU, others: [], reporters: [], payout: 5n * CRU }])
    assert.deepEqual(UnappliedSlashes.get(h.state, 1), result.slashes)
    assert.deepEqual(ValidatorSlashInEra.get(h.state, 1, ALICE), [100_000_000, 100n * CRU])
    assert.deepEqual(SpanSlash.get(h.state, [ALICE, 0]), { slashed: 100n * CRU, paid_out: 5n * CRU })
    assert.equal(EarliestUnappliedSlash.get(h.state), 1)
    // Slashed in its current span: chilled, span ended, disabled for the session (1 of 2 > 17 %: new era forced).
    assert.equal(Validators.contains(h.state, ALICE), false)
    assert.equal(StakeLimit.get(h.state, ALICE), undefined)
    assert.deepEqual(SlashingSpans.get(h.state, ALICE), { span_index: 1, last_start: 2, last_nonzero_slash: 1, prior: [2] })
    const index = SessionValidators.get(h.state).findIndex((v) => Buffer.from(v).equals(Buffer.from(ALICE)))
    assert.deepEqual(DisabledValidators.get(h.state), [index])
    assert.equal(ForceEra.get(h.state).tag, 'ForceNew')
    h.endBlock()

    const before = { alice: freeBalance(h.state, ALICE), treasury: freeBalance(h.state, TREASURY_ACCOUNT), issuance: TotalIssuance.get(h.state) }
    // Applied at the start of era 1 + 108 + 1, not before.
    runToEra(h, 1 + SLASH_DEFER_DURATION)
    assert.equal(Ledger.get(h.state, ctrl(1))!.active, 1000n * CRU)
    assert.equal(UnappliedSlashes.get(h.state, 1).length, 1)
    runToEra(h, 2 + SLASH_DEFER_DURATION)
    assert.deepEqual(slashEvents(h), [`Slash(${devAddress('Alice')},${100n * CRU})`])
    const ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.total, ledger.active], [900n * CRU, 900n * CRU])
    assert.equal(freeBalance(h.state, ALICE), before.alice - 100n * CRU)
    assert.equal(freeBalance(h.state, TREASURY_ACCOUNT), before.treasury + 100n * CRU)
    assert.equal(TotalIssuance.get(h.state), before.issuance)
    assert.equal(UnappliedSlashes.get(h.state, 1).length, 0)
    assert.equal(EarliestUnappliedSlash.get(h.state), 2)
  })

  it('behavior: validator and guarantors are slashed pro rata to their capped exposure; reporters share the reward', async () => {
    // Own 1_000 + Charlie 500 + Dave 300 = 1_800 capped to a 900 limit: exposures 500 / 250 / 150.
    const h = await setup({
      own: 1000n * CRU,
      guarantors: [
        [CHARLIE, 3, 2000n * CRU, 500n * CRU],
        [DAVE, 4, 300n * CRU, 300n * CRU],
      ],
      limit: 900n * CRU,
    })
    const exposure = ErasStakers.get(h.state, 1, ALICE)
    assert.deepEqual([exposure.own, exposure.others.map((o) => o.value), exposure.total], [500n * CRU, [250n * CRU, 150n * CRU], 900n * CRU])
    h.startBlock()
    const [slash] = reportOffence(ctxOf(h), [ALICE], 20n * PERCENT, 1, [EVE]).slashes
    // 20 %: 100, 50 and 30 CRU; reward 50 % × 10 % of each = 5 + 2.5 + 1.5 = 9 CRU.
    assert.deepEqual(slash, {
      validator: ALICE,
      own: 100n * CRU,
      others: [
        [CHARLIE, 50n * CRU],
        [DAVE, 30n * CRU],
      ],
      reporters: [EVE],
      payout: 9n * CRU,
    })
    assert.equal(GuarantorSlashInEra.get(h.state, 1, CHARLIE), 50n * CRU)
    // Guarantors are not chilled; their span ends.
    assert.equal(SlashingSpans.get(h.state, CHARLIE)!.span_index, 1)
    h.endBlock()
    const before = [ALICE, CHARLIE, DAVE, EVE, TREASURY_ACCOUNT].map((a) => freeBalance(h.state, a))
    runToEra(h, 2 + SLASH_DEFER_DURATION)
    const after = [ALICE, CHARLIE, DAVE, EVE, TREASURY_ACCOUNT].map((a) => freeBalance(h.state, a))
    assert.deepEqual(
      after.map((v, i) => v - before[i]!),
      [-100n * CRU, -50n * CRU, -30n * CRU, 9n * CRU, 171n * CRU],
    )
    assert.equal(Ledger.get(h.state, ctrl(3))!.active, 1950n * CRU)
    assert.equal(Ledger.get(h.state, ctrl(4))!.active, 270n * CRU)
  })

  it('behavior: only the largest slash of an era counts; a larger later report adds the difference', async () => {
    const h = await setup({ own: 1000n * CRU, guarantors: [[CHARLIE, 3, 1000n * CRU, 1000n * CRU]], limit: 5000n * CRU })
    h.startBlock()
    const ctx = ctxOf(h)
    assert.equal(reportOffence(ctx, [ALICE], 10n * PERCENT, 1).slashes.length, 1)
    assert.deepEqual(reportOffence(ctx, [ALICE], 5n * PERCENT, 1).slashes, [])
    const [second] = reportOffence(ctx, [ALICE], 30n * PERCENT, 1).slashes
    // The validator's span already ended (it was chilled): the era's second slash lands in the
    // closed span 0 and adds 300 − 100 CRU; the guarantor's era slash grows by 200 CRU too.
    assert.equal(second!.own, 200n * CRU)
    assert.deepEqual(second!.others, [[CHARLIE, 200n * CRU]])
    assert.deepEqual(SpanSlash.get(h.state, [ALICE, 0]).slashed, 300n * CRU)
    assert.equal(GuarantorSlashInEra.get(h.state, 1, CHARLIE), 300n * CRU)
    h.endBlock()
    runToEra(h, 2 + SLASH_DEFER_DURATION)
    assert.equal(Ledger.get(h.state, ctrl(1))!.active, 700n * CRU)
    assert.equal(Ledger.get(h.state, ctrl(3))!.active, 700n * CRU)
  })

  it('behavior: cancel_deferred_slash (root) drops queued slashes; error: DuplicateIndex, InvalidSlashIndex, BadOrigin', async () => {
    const h = await setup({ own: 1000n * CRU, limit: 5000n * CRU })
    h.startBlock()
    reportOffence(ctxOf(h), [ALICE, BOB], 10n * PERCENT, 1)
    assert.equal(UnappliedSlashes.get(h.state, 1).length, 2)
    assertError(h, h.call(ROOT, 'Staking', 'cancel_deferred_slash', { era: 1, slash_indices: [0, 0] }), 'DuplicateIndex')
    assertError(h, h.call(ROOT, 'Staking', 'cancel_deferred_slash', { era: 1, slash_indices: [2] }), 'InvalidSlashIndex')
    assertError(h, h.call(signed(ALICE), 'Staking', 'cancel_deferred_slash', { era: 1, slash_indices: [0] }), 'BadOrigin')
    assert.equal(h.call(ROOT, 'Staking', 'cancel_deferred_slash', { era: 1, slash_indices: [0] }), undefined)
    assert.deepEqual(
      UnappliedSlashes.get(h.state, 1).map((s) => s.validator),
      [BOB],
    )
    h.endBlock()
    runToEra(h, 2 + SLASH_DEFER_DURATION)
    assert.equal(Ledger.get(h.state, ctrl(1))!.active, 1000n * CRU)
    assert.equal(Ledger.get(h.state, ctrl(2))!.active, 900n * CRU)
  })

  it('behavior: invulnerables are never slashed; reports before the bonding window are discarded', async () => {
    const h = await setup({ own: 1000n * CRU, limit: 5000n * CRU })
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'set_invulnerables', { validators: [ALICE] }), undefined)
    assert.deepEqual(reportOffence(ctxOf(h), [ALICE], 10n * PERCENT, 1).slashes, [])
    BondedEras.put(h.state, [[1, 6]])
    assert.deepEqual(reportOffence(ctxOf(h), [BOB], 10n * PERCENT, 0), { slashEra: undefined, slashes: [] })
    h.endBlock()
  })

  it('behavior: a slash larger than the bond takes the whole ledger and what the balance holds', async () => {
    const h = await setup({ own: 1000n * CRU, limit: 5000n * CRU })
    h.startBlock()
    const ctx = { state: h.state, config: h.runtime.config, deposit: () => {} }
    const treasury = freeBalance(h.state, TREASURY_ACCOUNT)
    const taken = applySlash(ctx, { validator: ALICE, own: 2500n * CRU, others: [], reporters: [], payout: 0n })
    assert.equal(taken, 1000n * CRU)
    const ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.total, ledger.active, ledger.unlocking], [0n, 0n, []])
    assert.equal(freeBalance(h.state, TREASURY_ACCOUNT), treasury + 1000n * CRU)
    h.endBlock()
  })

  it('behavior: unbonding chunks are slashed after the active bond, closest to unlocking first', async () => {
    const h = await setup({ own: 1000n * CRU, limit: 5000n * CRU })
    h.startBlock()
    reportOffence(ctxOf(h), [ALICE], 50n * PERCENT, 1)
    // After the offence Alice unbonds 700 (era 1) and 200 (era 2): active 100.
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: 700n * CRU }), undefined)
    h.endBlock()
    runToEra(h, 2)
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: 200n * CRU }), undefined)
    h.endBlock()
    runToEra(h, 2 + SLASH_DEFER_DURATION)
    // 500 CRU: the 100 active, then 400 of the first chunk (700 → 300); the later chunk is untouched.
    const ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual(
      [ledger.total, ledger.active, ledger.unlocking],
      [
        500n * CRU,
        0n,
        [
          // Unbonded in active eras 1 and 2, when CurrentEra (planned one session ahead) was 2 and 3:
          // Crust's unbond locks until current_era + BondingDuration (cstrml/staking/src/lib.rs:1013).
          { value: 300n * CRU, era: 2 + 112 },
          { value: 200n * CRU, era: 3 + 112 },
        ],
      ],
    )
  })

  it('behavior: the ledger slash sweeps what would be left at or below the existential deposit', () => {
    const ed = 100_000_000n
    const ledger = { stash: ALICE, total: 1000n, active: 0n, unlocking: [] as Array<{ value: bigint; era: number }>, claimed_rewards: [] as number[] }
    const full = { ...ledger, total: 10n * CRU, active: 4n * CRU, unlocking: [{ value: 6n * CRU, era: 5 }] }
    // 4 CRU − ED/2 active: the ED/2 left is swept, and the chunk pays the rest.
    const [next, taken] = slashLedger(full, 4n * CRU - ed / 2n, ed)
    assert.deepEqual([next.active, next.unlocking, taken], [0n, [{ value: 6n * CRU, era: 5 }], 4n * CRU])
    const [all, takenAll] = slashLedger(full, 20n * CRU, ed)
    assert.deepEqual([all.total, all.active, all.unlocking, takenAll], [0n, 0n, [], 10n * CRU])
  })
})
