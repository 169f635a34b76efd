/**
 * Block equivocation slashed end to end, with validator processes of the `local` chain (short
 * report slots and eras) on loopback: Bob's validator runs with the test-only `equivocate` switch
 * (two different sealed blocks for each of its slots); Alice's imports both over gossip, notices
 * the equivocation and reports it on chain (Staking.EquivocationReported, Offences.Reports).
 * While Bob is a genesis (invulnerable) validator with no exposure, a report slashes nothing. So Bob
 * bonds and validates, his sWorker reports storage (his stake limit), an era elects him with an
 * exposure, sudo clears the invulnerables, and the next report queues a real slash in
 * Staking.UnappliedSlashes with Alice as reporter: Substrate's equivocation fraction min((3k/n)², 1)
 * of Bob's exposure (paritytech/substrate frame/babe/src/equivocation.rs `slash_fraction`, which
 * frame/offences applies to the k offenders of a time slot), k = 1 offender out of the n authorities
 * of the offence era (Bob alone once elected: 100 %). It was a flat 10 % before.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions, SubmittableExtrinsic } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { LOCAL_AUTHORITIES, offences } from '@crust-ts/chain'
import { send as sendTx, type Signer, SworkerSim } from '@crust-ts/testkit'
import { type NodeProcess, startNode, tempDir, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 500
const REPORT_SLOT = 20
/** 60-block eras of 6 sessions. */
const RUNTIME = { reportSlot: REPORT_SLOT, fileDuration: 2 * REPORT_SLOT, eraLength: 60 }
const CRU = 10n ** 12n
const BOND = 1000n * CRU
/** Bob's SRD: his stake limit (1 byte of workload is 1 base unit), so his exposure. */
const BOB_SRD = 600n * CRU
const PERBILL = 1_000_000_000n
const DEADLINE = 240_000

/** Our runtime's types, not the Substrate ones the API is augmented with: read as JSON. */
interface Json {
  toJSON(): unknown
}

interface UnappliedSlashJson {
  validator: string
  own: string | number
  others: Array<[string, string | number]>
  reporters: string[]
  payout: string | number
}

describe('equivocation (validator processes)', () => {
  let root: string
  const nodes: NodeProcess[] = []
  let api: ApiPromise

  before(async () => {
    await cryptoWaitReady()
    root = tempDir('crust-equivocation-e2e-')
    nodes.push(await startNode(root, 'alice', { blockTimeMs: BLOCK_TIME, bootstrap: [], validatorKey: `//${LOCAL_AUTHORITIES[0]}`, runtime: RUNTIME }))
    nodes.push(
      await startNode(root, 'bob', {
        blockTimeMs: BLOCK_TIME,
        bootstrap: nodes[0]!.addrs,
        validatorKey: `//${LOCAL_AUTHORITIES[1]}`,
        equivocate: true,
        runtime: RUNTIME,
      }),
    )
    const provider = new WsProvider(nodes[0]!.rpc) as unknown as ApiOptions['provider']
    api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true } as ApiOptions)
  })

  after(async () => {
    await api?.disconnect()
    for (const n of nodes) n.child.kill('SIGTERM')
    await Promise.all(nodes.map((n) => n.exited))
    if (process.env.CRUST_KEEP_TEST_DIR === undefined) rmSync(root, { recursive: true, force: true })
    else console.log(`test folder kept: ${root}`)
  })

  const send = (tx: SubmittableExtrinsic<'promise'>, signer: Signer) => sendTx(api, tx, signer)

  const query = async <T = unknown>(name: string, ...args: unknown[]): Promise<T> =>
    (await (api.query.staking[name] as unknown as (...a: unknown[]) => Promise<Json>)(...args)).toJSON() as T
  const staking = (name: string, ...args: unknown[]) => (api.tx.staking[name] as unknown as (...a: unknown[]) => SubmittableExtrinsic<'promise'>)(...args)
  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber()
  const big = (v: string | number) => BigInt(v)

  /** The EquivocationReported events (offender, kind, reporter) of blocks `from`..best, with their block numbers. */
  async function reportsFrom(from: number): Promise<Array<{ block: number; data: string[] }>> {
    const out = []
    const to = await best()
    for (let n = from; n <= to; n++) {
      const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events()
      for (const { event } of events) {
        if (event.section === 'staking' && event.method === 'EquivocationReported') out.push({ block: n, data: event.data.map((d) => d.toString()) })
      }
    }
    return out
  }

  it('behavior: an equivocating validator is detected, reported on chain and slashed min((3k/n)², 1) of its exposure, Alice the reporter', async () => {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const sudo = keyring.addFromUri('//Alice')
    const alice = keyring.addFromUri(`//${LOCAL_AUTHORITIES[0]}`)
    const bob = keyring.addFromUri(`//${LOCAL_AUTHORITIES[1]}`)

    // A genesis validator: reported, but invulnerable, and with no exposure to slash.
    const first = await waitFor(async () => (await reportsFrom(1))[0], "an EquivocationReported event on Alice's node", DEADLINE)
    assert.deepEqual(first.data, [bob.address, '0', alice.address], 'Bob the offender of a block equivocation, reported by Alice')
    assert.ok((await (api.query as unknown as { offences: { reports: { entries(): Promise<unknown[]> } } }).offences.reports.entries()).length >= 1)
    assert.deepEqual(
      await query('invulnerables'),
      [...LOCAL_AUTHORITIES].map((n) => keyring.addFromUri(`//${n}`).address),
    )
    assert.deepEqual(await query('unappliedSlashes', 0), [], 'no slash of an invulnerable validator')

    // Bob bonds and validates; his sWorker identity reports SRD every report slot (his stake limit).
    assert.equal((await send(staking('bond', bob.address, BOND), bob)).error, undefined)
    assert.equal((await send(staking('validate', { guaranteeFee: 0 }), bob)).error, undefined)
    const sim = new SworkerSim()
    const [iasSig, iasCert, applier, isvBody, sig] = sim.registerArgs(bob.publicKey)
    assert.equal(
      (await send(api.tx.swork.register(u8aToHex(iasSig), u8aToHex(iasCert), u8aToHex(applier), u8aToHex(isvBody), u8aToHex(sig)), bob)).error,
      undefined,
    )
    let lastSlot = -1n
    const reportThisSlot = async () => {
      // The current slot (its first block exists), if enough of it is left to get the report in.
      const head = await best()
      const slot = BigInt(Math.floor(head / REPORT_SLOT) * REPORT_SLOT)
      if (head + 1 - Number(slot) > REPORT_SLOT - 4) return
      if (slot === 0n || slot === lastSlot) return // slot 0 has no block hash in the runtime
      const slotHash = (await api.rpc.chain.getBlockHash(slot)).toU8a()
      const args = sim.reportArgs({ slot, slotHash, filesSize: 0n, added: [], srdSize: BOB_SRD })
      const hexed = args.map((a) => (a instanceof Uint8Array ? u8aToHex(a) : a)) as unknown as Parameters<typeof api.tx.swork.reportWorks>
      assert.equal((await send(api.tx.swork.reportWorks(...hexed), bob)).error, undefined)
      lastSlot = slot
    }
    const whileReporting = <T>(check: () => Promise<T | undefined>, what: string) =>
      waitFor(
        async () => {
          await reportThisSlot()
          return check()
        },
        what,
        DEADLINE,
      )

    // An era elects Bob with his exposure: his bond capped by his stake limit.
    const era = await whileReporting(async () => {
      const elected = await query<string[]>('currentElected')
      const active = (await query<{ index: number }>('activeEra')).index
      return elected.includes(bob.address) && (await query<{ total: string | number }>('erasStakers', active, bob.address)).total !== 0 ? active : undefined
    }, 'an era electing Bob')
    const exposure = await query<{ total: string | number; own: string | number; others: unknown[] }>('erasStakers', era, bob.address)
    assert.deepEqual([big(exposure.total), big(exposure.own), exposure.others], [BOB_SRD, BOB_SRD, []])

    // Root lifts the genesis validators' invulnerability; the next report slashes Bob.
    const cleared = await send(api.tx.sudo.sudo(staking('setInvulnerables', [])), sudo)
    assert.equal(cleared.error, undefined)
    const sudid = cleared.result.events.find(({ event }) => event.section === 'sudo' && event.method === 'Sudid')
    assert.equal(sudid?.event.data[0]?.toString(), 'Ok', 'the root call succeeded')
    // Read where it landed: Bob's two blocks per slot may put the best chain on the other one for a while.
    const clearedAtHash = await api.at(cleared.blockHash)
    assert.deepEqual((await clearedAtHash.query.staking.invulnerables()).toJSON(), [])
    const clearedAt = (await api.rpc.chain.getHeader(cleared.blockHash)).number.toNumber()
    // The first report that lands after the clearing took effect. Bob's twin blocks can reorg the
    // sudo call into a later block, behind a report of the same block that still found Bob
    // invulnerable (recorded, nothing slashed), so each report's block is checked for the slash.
    const unappliedAt = async (block: number) => {
      const at = await api.at(await api.rpc.chain.getBlockHash(block))
      const offenceEra = ((await at.query.staking.activeEra()).toJSON() as { index: number }).index
      const unapplied = (await (at.query.staking.unappliedSlashes as unknown as (e: number) => Promise<Json>)(offenceEra)).toJSON() as UnappliedSlashJson[]
      return { at, offenceEra, slash: unapplied.find((s) => s.validator === bob.address) }
    }
    const slashing = await waitFor(
      async () => {
        for (const r of await reportsFrom(clearedAt + 1)) if ((await unappliedAt(r.block)).slash !== undefined) return r
        return undefined
      },
      'a report slashing Bob after the invulnerables were cleared',
      DEADLINE,
    )
    assert.deepEqual(slashing.data, [bob.address, '0', alice.address])
    const { at, offenceEra, slash } = await unappliedAt(slashing.block)
    const offenceExposure = (await (at.query.staking.erasStakers as unknown as (e: number, w: string) => Promise<Json>)(offenceEra, bob.address)).toJSON() as {
      own: string | number
    }
    assert.equal(big(offenceExposure.own), BOB_SRD, "Bob's exposure in the offence era")
    assert.ok(slash !== undefined, `Bob's slash is queued under era ${offenceEra}`)
    // min((3k/n)², 1) with k = 1 and n = the offence era's authorities (Substrate's BABE/GRANDPA rule).
    const authorities = (await (at.query.staking as unknown as { erasAuthorities(e: number): Promise<Json> }).erasAuthorities(offenceEra)).toJSON() as string[]
    assert.ok(authorities.includes(bob.address), 'Bob is an authority of the offence era')
    const parts = offences.equivocationSlashFraction(1, authorities.length)
    assert.equal(big(slash.own), (BOB_SRD * parts) / PERBILL, `min((3/${authorities.length})², 1) of his exposure`)
    assert.deepEqual(slash.others, [])
    assert.deepEqual(slash.reporters, [alice.address])
    assert.ok(big(slash.payout) > 0n, 'the reporters get a reward when it is applied')
  })
})
