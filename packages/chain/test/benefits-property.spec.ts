/** Property: benefit funds and reserved balances stay in step over random call sequences. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CRU } from '../src/constants.js'
import { BENEFIT_REPORT_WORK_COST, CurrentBenefits, MARKET, MarketBenefits, MAX_UNLOCKING_CHUNKS, SWORK, SworkBenefits } from '../src/pallets/benefits/index.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'

const ED = 100_000_000n

type Command =
  | { kind: 'add_benefit_funds' | 'cut_benefit_funds' | 'rebond_benefit_funds'; who: number; market: boolean; value: bigint }
  | { kind: 'withdraw_benefit_funds'; who: number }
  | { kind: 'advance'; blocks: number }

const value = fc.oneof(fc.bigInt({ min: 0n, max: 3n * ED }), fc.bigInt({ min: 0n, max: 60n * CRU }))
const who = fc.integer({ min: 0, max: 1 })
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constantFrom('add_benefit_funds' as const, 'cut_benefit_funds' as const, 'rebond_benefit_funds' as const),
      who,
      market: fc.boolean(),
      value,
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('withdraw_benefit_funds' as const), who }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), blocks: fc.integer({ min: 1, max: 120 }) }), weight: 2 },
)

describe('benefits property', () => {
  it('behavior: reserved = SWORK + MARKET total funds = added − withdrawn, over random add/cut/rebond/withdraw sequences', async () => {
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        // Era of 2 blocks: chunks mature 224 blocks after a cut, within reach of a run.
        const h = await RuntimeHarness.create({ config: { eraLength: 2 } })
        const accounts = [accountIdOf(devAddress('Alice')), accountIdOf(devAddress('Dave'))]
        // Dave is poor, so some adds fail.
        h.call(ROOT, 'Balances', 'force_set_balance', { who: { tag: 'Id', value: accounts[1] }, new_free: 50n * CRU })
        h.endBlock()
        const initial = accounts.map((a) => Account.get(h.state, a).data.free)
        const added = [0n, 0n]
        const withdrawn = [0n, 0n]

        for (const cmd of commands) {
          if (cmd.kind === 'advance') {
            h.runTo(h.number + cmd.blocks)
          } else {
            h.startBlock()
            const args = cmd.kind === 'withdraw_benefit_funds' ? {} : { value: cmd.value, funds_type: cmd.market ? MARKET : SWORK }
            const err = h.call(signed(accounts[cmd.who]!), 'Benefits', cmd.kind, args)
            const events = h.endBlock()
            const outcome = `${cmd.kind}:${err === undefined ? 'ok' : 'err'}`
            seen.set(outcome, (seen.get(outcome) ?? 0) + 1)
            if (err === undefined && cmd.kind === 'add_benefit_funds') added[cmd.who]! += cmd.value
            for (const e of events) {
              if (e.section !== 'benefits' || e.method !== 'WithdrawBenefitFundsSuccess') continue
              const amount = BigInt(String(e.data[1]))
              withdrawn[cmd.who]! += amount
              if (amount > 0n) seen.set('withdrawn', (seen.get('withdrawn') ?? 0) + 1)
            }
          }

          let marketActive = 0n
          accounts.forEach((a, i) => {
            const info = Account.get(h.state, a)
            const swork = SworkBenefits.get(h.state, a)
            const market = MarketBenefits.get(h.state, a)
            assert.equal(info.data.reserved, swork.total_funds + market.total_funds, 'reserved = SWORK + MARKET total funds')
            assert.equal(info.data.reserved, added[i]! - withdrawn[i]!, 'reserved = added − withdrawn')
            assert.equal(info.data.free + info.data.reserved, initial[i], 'no balance created or lost')
            for (const b of [swork, market]) {
              assert.equal(b.total_funds, b.active_funds + b.unlocking_funds.reduce((s, c) => s + c.value, 0n), 'total = active + unlocking')
              assert.ok(b.unlocking_funds.length <= MAX_UNLOCKING_CHUNKS)
              assert.ok(b.unlocking_funds.every((c) => c.value > 0n))
            }
            assert.equal(swork.total_fee_reduction_count, Number(swork.active_funds / BENEFIT_REPORT_WORK_COST))
            marketActive += market.active_funds
          })
          assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, marketActive, 'global MARKET active funds = sum of accounts')
        }
      }),
      { numRuns: 60 },
    )
    // The sequences reached every call's success and most failures.
    for (const outcome of [
      'add_benefit_funds:ok',
      'add_benefit_funds:err',
      'cut_benefit_funds:ok',
      'cut_benefit_funds:err',
      'rebond_benefit_funds:ok',
      'rebond_benefit_funds:err',
      'withdraw_benefit_funds:ok',
      'withdrawn',
    ]) {
      assert.ok((seen.get(outcome) ?? 0) > 0, `never saw ${outcome}`)
    }
  })
})
