/**
 * GPoS staking through an unmodified @polkadot/api against a node process: //Alice bonds and
 * validates; a new account, funded by a transfer, becomes a candidate as Crust Apps' "new validator"
 * flow makes one, `utility.batchAll([staking.bond, staking.validate])`; //Charlie guarantees Alice;
 * their sWorker identities report SRD space, which sets their stake limits; a following era elects
 * them with capped exposures (ErasStakers, ErasTotalStakes); after that era `reward_stakers` pays
 * validators and guarantor the amounts the era's reward storage and exposures give.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import { connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'
import { send, type Signer } from './fixtures/send.js'
import { reportSlotNow, SworkerSim } from '@crust-ts/testkit'

const CRU = 10n ** 12n
const REPORT_SLOT = 20
/** 60-block eras of 6 sessions (10 blocks each). */
const ERA_LENGTH = 60
/** SRD bytes reported: 1 byte of workload is 1 base unit of stake limit (stage one). */
const ALICE_SRD = 1200n * CRU
const NEWCOMER_SRD = 600n * CRU
const PERBILL = 1_000_000_000n
/** How long a wait for one era (plus a report slot) may take at 0.5 s blocks. */
const ERA_WAIT_MS = 120_000

// An independent copy of sp-arithmetic 3.0's Perbill (from_rational_approximation, rounding multiply).
function perbillFromRational(p: bigint, q: bigint): bigint {
  const den = q > 1n ? q : 1n
  const num = p < den ? p : den
  let factor = den / PERBILL + (den % PERBILL === 0n ? 0n : 1n)
  if (factor < 1n) factor = 1n
  return ((num / factor) * PERBILL) / (den / factor)
}
function perbillMul(parts: bigint, x: bigint): bigint {
  const remMul = (x % PERBILL) * parts
  return (x / PERBILL) * parts + remMul / PERBILL + (remMul % PERBILL > PERBILL / 2n ? 1n : 0n)
}

/** Our runtime's types, not the Substrate ones the API is augmented with: read as JSON. */
interface Json {
  toJSON(): unknown
}

interface ExposureJson {
  total: string | number
  own: string | number
  others: Array<{ who: string; value: string | number }>
}

describe('staking end to end', () => {
  let node: NodeProcess
  let api: ApiPromise
  const base = makeBasePath()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let alice: Signer
  /** A new account (not in genesis), the "new validator" of Crust Apps. */
  let newcomer: Signer
  let charlie: Signer
  let dave: Signer
  const sworkers = new Map<string, { sim: SworkerSim; srd: bigint; lastSlot: bigint }>()

  before(async () => {
    await cryptoWaitReady()
    const spec = { ...builtinSpec('dev')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: 2 * REPORT_SLOT, eraLength: ERA_LENGTH } }
    const specFile = join(base.path, 'spec.json')
    writeFileSync(specFile, JSON.stringify(spec))
    node = await startNode(join(base.path, 'data'), ['--chain', specFile])
    api = await connectApi(node.url)
    alice = keyring.addFromUri('//Alice')
    newcomer = keyring.addFromUri('//staking-e2e-newcomer')
    charlie = keyring.addFromUri('//Charlie')
    dave = keyring.addFromUri('//Dave')
  })

  after(async () => {
    await api?.disconnect()
    node?.child.kill('SIGTERM')
    await node?.exited
    base.remove()
  })

  const query = async <T = unknown>(name: string, ...args: unknown[]): Promise<T> =>
    (await (api.query.staking[name] as unknown as (...a: unknown[]) => Promise<Json>)(...args)).toJSON() as T
  const tx = (name: string, ...args: unknown[]) => (api.tx.staking[name] as unknown as (...a: unknown[]) => SubmittableExtrinsic<'promise'>)(...args)
  const activeEra = async () => (await query<{ index: number }>('activeEra')).index
  const big = (v: string | number | null) => (v === null ? undefined : BigInt(v))

  /** A report slot with enough blocks left to get a report in, and its block hash. */
  const reportSlot = () => reportSlotNow(api, REPORT_SLOT)

  /** Each validator's sWorker reports its SRD once in the current slot (a missed slot would zero its workload). */
  async function reportThisSlot(): Promise<void> {
    for (const who of [alice, newcomer]) {
      const worker = sworkers.get(who.address)!
      const slot = await reportSlot()
      if (slot.slot === worker.lastSlot) continue
      const args = worker.sim.reportArgs({ ...slot, filesSize: 0n, added: [], srdSize: worker.srd })
      const hexed = args.map((a) => (a instanceof Uint8Array ? u8aToHex(a) : a)) as unknown as Parameters<typeof api.tx.swork.reportWorks>
      const sent = await send(api, api.tx.swork.reportWorks(...hexed), who)
      assert.equal(sent.error, undefined)
      worker.lastSlot = slot.slot
    }
  }

  /** Waits for `check`, reporting work every slot meanwhile. */
  async function whileReporting<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
    return waitFor(
      async () => {
        await reportThisSlot()
        return check()
      },
      what,
      ERA_WAIT_MS,
    )
  }

  it('behavior: stake limits from work reports, election with capped exposures, reward_stakers pays the expected amounts', async () => {
    // Two validators (20 % and 50 % of their reward shared with guarantors), one guarantor of Alice.
    assert.equal((await send(api, api.tx.sudo.sudo(tx('setValidatorCount', 2)), alice)).error, undefined)
    assert.equal((await send(api, tx('bond', alice.address, 1000n * CRU), alice)).error, undefined)
    assert.equal((await send(api, tx('validate', { guaranteeFee: 200_000_000 }), alice)).error, undefined)
    // The newcomer: funded, then bond and validate in one batchAll, as Crust Apps sends them.
    assert.equal((await send(api, api.tx.balances.transfer(newcomer.address, 1100n * CRU), alice)).error, undefined)
    const candidate = await send(
      api,
      api.tx.utility.batchAll([tx('bond', newcomer.address, 1000n * CRU), tx('validate', { guaranteeFee: 500_000_000 })]),
      newcomer,
    )
    assert.equal(candidate.error, undefined)
    assert.deepEqual(
      candidate.result.events.filter(({ event }) => event.section === 'utility').map(({ event }) => event.method),
      ['ItemCompleted', 'ItemCompleted', 'BatchCompleted'],
    )
    assert.deepEqual(await query('validators', newcomer.address), { guaranteeFee: 500_000_000 }, 'a validator candidate')
    assert.equal((await send(api, tx('bond', charlie.address, 1000n * CRU), charlie)).error, undefined)
    assert.equal((await send(api, tx('guarantee', [alice.address, 500n * CRU]), charlie)).error, undefined)
    assert.equal(await query('stakeLimit', alice.address), null)

    // Their sWorker identities (the validator stash is the reporter, so the workload's owner).
    for (const [who, srd] of [
      [alice, ALICE_SRD],
      [newcomer, NEWCOMER_SRD],
    ] as const) {
      const sim = new SworkerSim()
      const [iasSig, iasCert, applier, isvBody, sig] = sim.registerArgs(who.publicKey)
      const registered = await send(api, api.tx.swork.register(u8aToHex(iasSig), u8aToHex(iasCert), u8aToHex(applier), u8aToHex(isvBody), u8aToHex(sig)), who)
      assert.equal(registered.error, undefined)
      sworkers.set(who.address, { sim, srd, lastSlot: -1n })
    }

    // The next workload hand-off sets the stake limits: SRD bytes × 1 (stage one).
    const stakeLimit = async (who: Signer) => big(await query<number | string | null>('stakeLimit', who.address))
    await whileReporting(async () => ((await stakeLimit(alice)) !== undefined && (await stakeLimit(newcomer)) !== undefined ? true : undefined), 'stake limits')
    assert.equal(await stakeLimit(alice), ALICE_SRD)
    assert.equal(await stakeLimit(newcomer), NEWCOMER_SRD)

    // The next era elects both, top stake first, with exposures capped by the limits:
    // Alice 1_000 + Charlie 500 capped to 1_200 (ratio 0.8): own 800, Charlie 400; the newcomer 1_000 → 600.
    // Crust elects an era one session before it starts (and candidates without a stake limit at
    // stake 0), so wait for the first active era whose election saw both limits.
    const era = await whileReporting(async () => {
      const active = await activeEra()
      const exposed = async (who: Signer) => (big((await query<ExposureJson>('erasStakers', active, who.address)).total) ?? 0n) > 0n
      return (await exposed(alice)) && (await exposed(newcomer)) ? active : undefined
    }, 'an era electing Alice and the newcomer')
    assert.deepEqual(await query('currentElected'), [alice.address, newcomer.address])
    const aliceExposure = await query<ExposureJson>('erasStakers', era, alice.address)
    assert.deepEqual(
      [big(aliceExposure.total), big(aliceExposure.own), aliceExposure.others.map((o) => [o.who, big(o.value)])],
      [1200n * CRU, 800n * CRU, [[charlie.address, 400n * CRU]]],
    )
    const newcomerExposure = await query<ExposureJson>('erasStakers', era, newcomer.address)
    assert.deepEqual([big(newcomerExposure.total), big(newcomerExposure.own), newcomerExposure.others], [600n * CRU, 600n * CRU, []])
    assert.equal(big(await query('erasTotalStakes', era)), 1800n * CRU)
    assert.equal((await query<{ guaranteeFee: number }>('erasValidatorPrefs', era, alice.address)).guaranteeFee, 200_000_000)

    // The era ends: its payout is in storage. No more reports, so the payout block moves only rewards.
    const stakingPayout = await waitFor(async () => big(await query('erasStakingPayout', era)), `era ${era}'s payout`, ERA_WAIT_MS)
    assert.ok(stakingPayout > 0n)
    const totalStakes = big(await query('erasTotalStakes', era))!
    const rewardOf = async (who: Signer, exposureTotal: bigint, fee: bigint) => {
      const authoring = big(await query('erasAuthoringPayout', era, who.address)) ?? 0n
      const total = authoring + perbillMul(perbillFromRational(exposureTotal, totalStakes), stakingPayout)
      return { total, pool: perbillMul(fee, total) }
    }
    const aliceReward = await rewardOf(alice, 1200n * CRU, 200_000_000n)
    const charlieReward = perbillMul(perbillFromRational(400n * CRU, 1200n * CRU), aliceReward.pool)
    const newcomerReward = await rewardOf(newcomer, 600n * CRU, 500_000_000n)
    const expected = new Map([
      [alice.address, aliceReward.total - charlieReward],
      [charlie.address, charlieReward],
      [newcomer.address, newcomerReward.total],
    ])

    // Dave (anyone) pays each validator and its guarantors out.
    const paid = await send(api, tx('rewardStakers', alice.address, era), dave)
    assert.equal(paid.error, undefined)
    const paidNewcomer = await send(api, tx('rewardStakers', newcomer.address, era), dave)
    assert.equal(paidNewcomer.error, undefined)
    assert.equal((await send(api, tx('rewardStakers', newcomer.address, era), dave)).error, 'staking.AlreadyClaimed')

    for (const [outcome, payees] of [
      // Guarantors are paid first, then the validator (as Crust's reward_stakers does).
      [paid, [charlie.address, alice.address]],
      [paidNewcomer, [newcomer.address]],
    ] as const) {
      const { blockHash } = outcome
      const header = await api.rpc.chain.getHeader(blockHash)
      const before = await api.at(header.parentHash)
      const atBlock = await api.at(blockHash)
      const rewards = outcome.result.events
        .filter(({ event }) => api.events.staking.Reward.is(event))
        .map(({ event }) => [event.data[0]!.toString(), (event.data[1] as unknown as { toBigInt(): bigint }).toBigInt()])
      assert.deepEqual(
        rewards,
        payees.map((p) => [p, expected.get(p)]),
      )
      for (const who of payees) {
        const was = (await before.query.system.account(who)).data.free.toBigInt()
        const now = (await atBlock.query.system.account(who)).data.free.toBigInt()
        assert.equal(now - was, expected.get(who), `${who}'s balance grows by its reward`)
        const active = async (at: typeof before) =>
          big(((await (at.query.staking.ledger as unknown as (w: string) => Promise<Json>)(who)).toJSON() as { active: number | string }).active)!
        const ledgerWas = await active(before)
        const ledgerNow = await active(atBlock)
        assert.equal(ledgerNow - ledgerWas, expected.get(who), 'rewards are staked')
      }
    }
  })
})
