/** Eras drive consensus: slot authors and finality voters (with weights) come from the staking election. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eraAuthorities, genesisAuthorities } from '../src/chain/authorities.js'
import type { BlockRecord, StateView } from '../src/chain/index.js'
import { CRU } from '../src/constants.js'
import { PendingWorkload } from '../src/pallets/swork/index.js'
import { accountIdOf, builtinSpec, DEV_AUTHORITY, devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'

const ERA = 10
const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, DAVE] = [dev('Alice'), dev('Bob'), dev('Dave')]
const ctrl = (n: number) => new Uint8Array(32).fill(n)
const id = (value: Uint8Array) => ({ tag: 'Id', value })

/** A block record standing for the harness's current block (authority sets are keyed by block hash). */
const blockAt = (number: number): BlockRecord => {
  const hash = new Uint8Array(32).fill(number % 256)
  return {
    hash,
    hashHex: `0x${Buffer.from(hash).toString('hex')}`,
    number,
    header: { parentHash: new Uint8Array(32), number, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32), digest: [] },
  }
}
const view = (h: RuntimeHarness): StateView => ({ root: new Uint8Array(32), get: (k) => h.state.get(k), keys: () => [] })

describe('consensus authorities per era', () => {
  it('behavior: genesis validators until the first election; zero-stake candidates elected in account order; the next era elected one session ahead, weighted by exposure', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    const eras = eraAuthorities()
    const genesis = accountIdOf(devAddress(DEV_AUTHORITY))
    const at0 = eras.votersFor(blockAt(0), view(h))
    assert.deepEqual(at0.voters, [{ id: genesis, weight: 1n }])
    assert.equal(at0.setId, 0)
    assert.deepEqual(eras.authoritiesFor(blockAt(0), view(h)), [genesis])
    for (const [stash, c, value] of [
      [ALICE, 1, 500n * CRU],
      [BOB, 2, 300n * CRU],
      [DAVE, 4, 200n * CRU],
    ] as const) {
      assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value }), undefined)
      assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 500_000_000 } }), undefined)
    }
    assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 2 }), undefined)
    h.runTo(ERA)
    // Crust: candidates with no stake limit stay in the election at stake 0 and can be elected
    // (cstrml/staking/src/lib.rs:2233-2237); with equal stakes the account order decides (2389).
    const byAccount = [ALICE, BOB, DAVE].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    const zeroStake = eras.votersFor(blockAt(ERA), view(h))
    assert.deepEqual(
      zeroStake.voters,
      byAccount.slice(0, 2).map((id) => ({ id, weight: 1n })),
      'no proven storage yet: two candidates at stake 0, equal weight',
    )
    assert.equal(zeroStake.setId, 1, 'a new era is a new voter set')
    h.startBlock()
    PendingWorkload.put(h.state, [
      [
        [ALICE, 450n * CRU],
        [BOB, 250n * CRU],
        [DAVE, CRU],
      ],
      701n * CRU,
    ])
    h.endBlock()
    // Era 2 was planned one session ahead (at block ERA, before the workload): it keeps that election.
    h.runTo(2 * ERA)
    assert.deepEqual(eras.authoritiesFor(blockAt(2 * ERA), view(h)), byAccount.slice(0, 2))
    h.runTo(3 * ERA - 1)
    assert.deepEqual(eras.authoritiesFor(blockAt(3 * ERA - 1), view(h)), byAccount.slice(0, 2), 'the old set authors up to the era boundary')
    h.runTo(3 * ERA)
    const set = eras.votersFor(blockAt(3 * ERA), view(h))
    assert.equal(set.setId, 3)
    assert.deepEqual(
      set.voters.map((v) => v.id),
      [ALICE, BOB],
      'elected: the top two by capped stake; DAVE stops',
    )
    assert.equal(set.voters[0]!.weight, 450n * CRU)
    assert.equal(set.total, set.voters[0]!.weight + set.voters[1]!.weight)
    assert.deepEqual(eras.authoritiesFor(blockAt(3 * ERA), view(h)), [ALICE, BOB])
  })

  it('behavior: genesisAuthorities gives the spec authorities, weight 1, one set', () => {
    const spec = builtinSpec('local')!
    const set = genesisAuthorities(spec).votersFor(blockAt(5), view({ state: { get: () => undefined } } as unknown as RuntimeHarness))
    assert.equal(set.voters.length, 4)
    assert.equal(set.total, 4n)
    assert.equal(set.setId, 0)
  })
})
