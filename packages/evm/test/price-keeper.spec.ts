/** The price keeper against a fake oracle (the `PriceOracleClient` seam) and given Crust fees. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type CrustFees, drifted, type OracleRates, PriceKeeper, type PriceOracleClient } from '../src/index.js'

class FakeOracle implements PriceOracleClient {
  sent: string[] = []
  refuse = false
  constructor(public rates: OracleRates) {}
  async read() {
    return { ...this.rates }
  }
  async setOrderPrice(basePrice: bigint, bytePrice: bigint) {
    if (this.refuse) throw new Error('Not a price setter')
    this.rates = { ...this.rates, basePrice, bytePrice }
    this.sent.push(`setOrderPrice(${basePrice},${bytePrice})`)
    return `0x${this.sent.length}`
  }
  async setCruEthRate(rate: bigint) {
    this.rates = { ...this.rates, cruEthRate: rate }
    this.sent.push(`setCRUETHRATE(${rate})`)
    return `0x${this.sent.length}`
  }
}

describe('price keeper', () => {
  const fees: CrustFees = { baseFee: 1_000n, byteFee: 10_000n, keysCountFee: 1_000_000n, atBlock: 5 }

  it('drift: beyond the tolerance in basis points; any difference from a zero target', () => {
    assert.equal(drifted(10_100n, 10_000n, 100), false, 'exactly 1 % is within 1 %')
    assert.equal(drifted(10_101n, 10_000n, 100), true)
    assert.equal(drifted(9_899n, 10_000n, 100), true)
    assert.equal(drifted(10_001n, 10_000n, 0), true)
    assert.equal(drifted(1n, 0n, 100), true)
    assert.equal(drifted(0n, 0n, 0), false)
  })

  it("sets base (base + keys-count fee) and byte price from Crust's fees, and the configured rate, only when they drifted", async () => {
    const oracle = new FakeOracle({ basePrice: 5n, bytePrice: 10_000n, cruEthRate: 1_000_000_000n })
    const keeper = new PriceKeeper({ crustFees: async () => fees, oracle, cruEthRate: 2_000_000_000n, driftBps: 100, now: () => 42 })
    const status = await keeper.sync()
    assert.deepEqual(oracle.sent, ['setOrderPrice(1001000,10000)', 'setCRUETHRATE(2000000000)'])
    assert.deepEqual(status.target, { basePrice: '1001000', bytePrice: '10000', cruEthRate: '2000000000' })
    assert.deepEqual(status.oracle, { basePrice: '5', bytePrice: '10000', cruEthRate: '1000000000' })
    assert.equal(status.lastSetAt, 42)
    // In line now: a second round sends nothing.
    const again = await keeper.sync()
    assert.equal(oracle.sent.length, 2)
    assert.deepEqual(again.set, [])
    assert.equal(keeper.status(), again)
  })

  it('a drift within the tolerance is left alone; without a configured rate the rate is never set', async () => {
    const oracle = new FakeOracle({ basePrice: 1_005_000n, bytePrice: 10_050n, cruEthRate: 1n })
    await new PriceKeeper({ crustFees: async () => fees, oracle, driftBps: 100 }).sync()
    assert.deepEqual(oracle.sent, [])
  })

  it("error: the oracle's refusal is in the status and thrown", async () => {
    const oracle = new FakeOracle({ basePrice: 0n, bytePrice: 0n, cruEthRate: 1n })
    oracle.refuse = true
    const keeper = new PriceKeeper({ crustFees: async () => fees, oracle, driftBps: 100 })
    await assert.rejects(keeper.sync(), /Not a price setter/)
    assert.match(keeper.status()?.error ?? '', /Not a price setter/)
  })
})
