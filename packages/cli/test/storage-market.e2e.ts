/**
 * The storage market through @polkadot/api against a node process: an order, three sWorkers
 * registering with the dev attestation key and reporting the file, rewards for the collateralised
 * first reporters, forged reports refused, and settlement after expiry.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import { typesBundleForPolkadot } from '@crustio/type-definitions'
import { connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'
import { send, type Signer } from './fixtures/send.js'
import { reportSlotNow, SworkerSim } from '@crust-ts/testkit'

const CRU = 10n ** 12n
const REPORT_SLOT = 20
const FILE_DURATION = 40
const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const SIZE = 1000n

const hex = (b: Uint8Array) => u8aToHex(b)

describe('storage market end to end', () => {
  let node: NodeProcess
  let api: ApiPromise
  const base = makeBasePath()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let alice: Signer
  let nodes: Array<{ account: Signer; sworker: SworkerSim }>

  before(async () => {
    await cryptoWaitReady()
    const spec = { ...builtinSpec('dev')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: FILE_DURATION, eraLength: 6 * REPORT_SLOT } }
    const specFile = join(base.path, 'spec.json')
    writeFileSync(specFile, JSON.stringify(spec))
    node = await startNode(join(base.path, 'data'), ['--chain', specFile])
    api = await connectApi(node.url)
    alice = keyring.addFromUri('//Alice')
    nodes = ['//Bob', '//Charlie', '//Dave'].map((uri) => ({ account: keyring.addFromUri(uri), sworker: new SworkerSim() }))
  })

  after(async () => {
    await api?.disconnect()
    node?.child.kill('SIGTERM')
    await node?.exited
    base.remove()
  })

  /** A report slot with enough blocks left to get a report in, and its block hash. */
  const reportSlot = () => reportSlotNow(api, REPORT_SLOT)

  it('behavior: order, registration, three reports, paid replicas, forged reports refused, settlement', async () => {
    // The order.
    const ordered = await send(api, api.tx.market.placeStorageOrder(CID, SIZE, 0, ''), alice)
    assert.equal(ordered.error, undefined)
    const pending = (await api.query.market.filesV2(CID)).toJSON() as Record<string, number>
    assert.equal(pending.expiredAt, 0)

    // Bob and Charlie put up merchant collateral; Dave does not.
    for (const { account } of nodes.slice(0, 2)) {
      assert.equal((await send(api, api.tx.benefits.addBenefitFunds(10n * CRU, 'MARKET'), account)).error, undefined)
    }
    // Registration with the dev attestation authority.
    for (const { account, sworker } of nodes) {
      const [iasSig, iasCert, applier, isvBody, sig] = sworker.registerArgs(account.publicKey)
      const registered = await send(api, api.tx.swork.register(hex(iasSig), hex(iasCert), hex(applier), hex(isvBody), hex(sig)), account)
      assert.equal(registered.error, undefined)
    }
    const cidBytes = new TextEncoder().encode(CID)

    // Forged reports: refused with the right error, nothing changes.
    const bob = nodes[0]!
    let slot = await reportSlot()
    const forged = async (args: ReturnType<SworkerSim['reportArgs']>, signer = bob.account) =>
      (
        await send(
          api,
          api.tx.swork.reportWorks(
            ...(args.map((a) => (a instanceof Uint8Array ? hex(a) : Array.isArray(a) ? a.map((f) => [hex(f[0]), f[1], f[2]]) : a)) as Parameters<
              typeof api.tx.swork.reportWorks
            >),
          ),
          signer,
        )
      ).error
    assert.equal(
      await forged(bob.sworker.reportArgs({ ...slot, filesSize: SIZE, added: [[cidBytes, SIZE, BigInt(slot.slot)]] }, true)),
      'swork.IllegalWorkReportSig',
    )
    assert.equal(
      await forged(bob.sworker.reportArgs({ ...slot, slotHash: new Uint8Array(32).fill(9), filesSize: SIZE, added: [[cidBytes, SIZE, slot.slot]] })),
      'swork.InvalidReportTime',
    )
    assert.equal(await forged(new SworkerSim().reportArgs({ ...slot, filesSize: SIZE, added: [[cidBytes, SIZE, slot.slot]] })), 'swork.IllegalReporter')
    assert.equal(((await api.query.market.filesV2(CID)).toJSON() as Record<string, number>).reportedReplicaCount, 0)

    // Real reports from the three nodes.
    slot = await reportSlot()
    for (const { account, sworker } of nodes) {
      const args = sworker.reportArgs({ ...slot, filesSize: SIZE, added: [[cidBytes, SIZE, slot.slot]] })
      assert.equal(await forged(args, account), undefined)
      if (account === bob.account) {
        // A replay in the same slot is a no-op, not a second replica.
        assert.equal(await forged(args, account), undefined)
      }
    }
    const file = (await api.query.market.filesV2(CID)).toJSON() as {
      reportedReplicaCount: number
      replicas: Record<string, unknown>
      expiredAt: number
      remainingPaidCount: number
      amount: number
    }
    assert.equal(file.reportedReplicaCount, 3)
    assert.equal(Object.keys(file.replicas).length, 3)
    assert.ok(file.expiredAt > 0, 'the first replica starts the period')
    assert.equal(file.remainingPaidCount, 2, 'Bob and Charlie were paid; Dave has no collateral')
    // Crust's own type definitions decode the same bytes, replicas included.
    const crustApi = await connectApi(node.url, { typesBundle: typesBundleForPolkadot })
    try {
      const raw = (await api.query.market.filesV2(CID)) as unknown as { unwrap(): { toU8a(): Uint8Array } }
      const viaCrust = crustApi.createType('FileInfoV2', raw.unwrap().toU8a())
      assert.deepEqual(viaCrust.toU8a(), raw.unwrap().toU8a())
      const replicas = (viaCrust.toJSON() as { replicas: Record<string, { who: string; is_reported: boolean; anchor: string }> }).replicas
      assert.equal(Object.keys(replicas).length, 3)
      for (const r of Object.values(replicas)) {
        assert.equal(r.is_reported, true)
        assert.equal(r.anchor.length, 2 + 128, 'a 64-byte sWorker anchor')
      }
    } finally {
      await crustApi.disconnect()
    }
    const reward = async (who: Signer) =>
      BigInt(((await api.query.benefits.marketBenefits(who.address)).toJSON() as { fileReward: number | string }).fileReward)
    assert.ok((await reward(bob.account)) > 0n)
    assert.ok((await reward(nodes[1]!.account)) > 0n)
    assert.equal(await reward(nodes[2]!.account), 0n)

    // Bob claims his reward.
    const bobFree = (await api.query.system.account(bob.account.address)).data.free.toBigInt()
    const claimed = await send(api, api.tx.market.rewardMerchant(), bob.account)
    assert.equal(claimed.error, undefined)
    const fee = BigInt(claimed.result.events.find(({ event }) => event.method === 'TransactionFeePaid')!.event.data[1]!.toString())
    assert.ok((await api.query.system.account(bob.account.address)).data.free.toBigInt() > bobFree - fee)

    // After expiry anyone settles: Eve takes the remaining amount and the file (no prepaid) closes.
    const eve = keyring.addFromUri('//Eve')
    await waitFor(async () => ((await api.rpc.chain.getHeader()).number.toNumber() >= file.expiredAt ? true : undefined), 'expiry', 60_000)
    const settled = await send(api, api.tx.market.calculateReward(CID), eve)
    assert.equal(settled.error, undefined)
    const names = settled.result.events.map(({ event }) => `${event.section}.${event.method}`)
    assert.ok(names.includes('market.FileClosed'), names.join(','))
    assert.ok((await api.query.market.filesV2(CID)).isEmpty)
  })
})
