/**
 * The SDK's chain functions against a real `crust node` process: order accounting, the checks
 * before sending, prepaid, and waitForReplicas following two simulated sWorkers' reports.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { u8aToHex } from '@polkadot/util'
import { mnemonicGenerate } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import {
  addPrepaid,
  connectChain,
  type KeyringPair,
  loadSigner,
  orderFee,
  orderStatus,
  placeOrder,
  type ReplicaProgress,
  SdkError,
  submit,
  usableBalance,
  waitForReplicas,
} from '@crust-ts/sdk'
import { makeBasePath, type NodeProcess, startNode } from '@crust-ts/testkit'
import { reportSlotNow, SworkerSim } from '@crust-ts/testkit'

const CRU = 10n ** 12n
const REPORT_SLOT = 20
const code = (c: string) => (err: unknown) => err instanceof SdkError && err.code === c

describe('sdk orders against a node', () => {
  const base = makeBasePath()
  let node: NodeProcess
  let api: ApiPromise
  let alice: KeyringPair

  before(async () => {
    const spec = { ...builtinSpec('dev')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: 200, eraLength: 6 * REPORT_SLOT } }
    const specFile = join(base.path, 'spec.json')
    writeFileSync(specFile, JSON.stringify(spec))
    node = await startNode(join(base.path, 'data'), ['--chain', specFile])
    api = await connectChain(node.url)
    alice = await loadSigner({ suri: '//Alice' })
  })

  after(async () => {
    await api?.disconnect()
    node?.child.kill('SIGTERM')
    await node?.exited
    base.remove()
  })

  it('behavior: an order costs exactly the reported fee; the market price plus the tip goes to the pots', async () => {
    const cid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    const size = 3_000_000
    const order = await placeOrder(api, alice, { cid, size, tip: CRU })
    // Alice's balance across exactly the order's block.
    const parent = (await api.rpc.chain.getHeader(order.blockHash)).parentHash
    const free = async (hash: string) =>
      ((await (await api.at(hash)).query.system!.account!(alice.address)) as unknown as { data: { free: { toBigInt(): bigint } } }).data.free.toBigInt()
    assert.equal((await free(parent.toHex())) - (await free(order.blockHash)), order.fee)
    assert.ok((await usableBalance(api, alice.address)) > 0n)
    // The market's price as of the order's block (fees change only in block initialisation).
    assert.equal(order.orderAmount, (await orderFee(api, size, { blockHash: order.blockHash })).total + CRU)
    assert.ok(order.txFee > 0n)
    assert.equal(order.size, BigInt(size))
    const file = await orderStatus(api, cid)
    assert.ok(file !== undefined)
    assert.equal(file.fileSize, BigInt(size))
    assert.equal(file.expiredAt, 0)
    // A second order of the same CID may not shrink it (refused before sending); one of the same size renews it.
    const nonce = Number((await api.rpc.system.accountNextIndex(alice.address)).toString())
    await assert.rejects(placeOrder(api, alice, { cid, size: size - 1 }), code('SDK_ERROR_BAD_SIZE'))
    assert.equal(Number((await api.rpc.system.accountNextIndex(alice.address)).toString()), nonce)
    const again = await placeOrder(api, alice, { cid, size })
    assert.equal(again.orderAmount, (await orderFee(api, size, { blockHash: again.blockHash })).total)
    const topped = await addPrepaid(api, alice, cid, 2n * CRU)
    assert.equal(topped.prepaid, 2n * CRU)
    assert.equal((await orderStatus(api, cid))!.prepaid, 2n * CRU)
  })

  it('error: bad CID, too large, unfunded account and unknown orders are refused before sending', async () => {
    const cid = 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'
    await assert.rejects(placeOrder(api, alice, { cid: 'Qm123', size: 10 }), code('SDK_ERROR_BAD_CID'))
    await assert.rejects(placeOrder(api, alice, { cid, size: 8 * 1024 ** 3 }), code('SDK_ERROR_FILE_TOO_LARGE'))
    await assert.rejects(placeOrder(api, alice, { cid, size: 0 }), code('SDK_ERROR_BAD_SIZE'))
    const poor = await loadSigner({ suri: mnemonicGenerate(12) })
    await assert.rejects(
      placeOrder(api, poor, { cid, size: 10 }),
      (err: unknown) => code('SDK_ERROR_NO_FUNDS')(err) && (err as Error).message.includes(poor.address),
    )
    assert.equal(Number((await api.rpc.system.accountNextIndex(poor.address)).toString()), 0)
    assert.equal(await orderStatus(api, cid), undefined)
    await assert.rejects(addPrepaid(api, alice, cid, CRU), code('SDK_ERROR_NO_ORDER'))
    await assert.rejects(connectChain('ws://127.0.0.1:1'), code('SDK_ERROR_NO_CHAIN'))
  })

  it('behavior: waitForReplicas follows new heads until two simulated sWorkers have reported', async () => {
    const cid = 'QmZ4tDuvesekSs4qM5ZBKpXiZGun7S2CYtEZRB3DYXkjGx'
    const size = 5000n
    await placeOrder(api, alice, { cid, size })
    const nodes = await Promise.all(['//Bob', '//Charlie'].map(async (suri) => ({ account: await loadSigner({ suri }), sworker: new SworkerSim() })))
    for (const { account, sworker } of nodes) {
      const [iasSig, iasCert, applier, isvBody, sig] = sworker.registerArgs(account.publicKey)
      await submit(api, api.tx.swork!.register!(u8aToHex(iasSig), u8aToHex(iasCert), u8aToHex(applier), u8aToHex(isvBody), u8aToHex(sig)), account)
    }
    const progress: ReplicaProgress[] = []
    const waiting = waitForReplicas(api, cid, { replicas: 2, onProgress: (p) => progress.push(p) })

    // A report slot with a few blocks left to report in.
    const { slot, slotHash } = await reportSlotNow(api, REPORT_SLOT, { margin: 5 })
    const cidBytes = new TextEncoder().encode(cid)
    for (const { account, sworker } of nodes) {
      const args = sworker.reportArgs({ slot, slotHash, filesSize: size, added: [[cidBytes, size, slot]] })
      const hexed = args.map((a) => (a instanceof Uint8Array ? u8aToHex(a) : Array.isArray(a) ? a.map((f) => [u8aToHex(f[0]), f[1], f[2]]) : a))
      await submit(api, api.tx.swork!.reportWorks!(...hexed), account)
    }
    const file = await waiting
    assert.equal(file.reportedReplicaCount, 2)
    assert.deepEqual(file.replicas.map((r) => r.who).sort(), nodes.map((n) => n.account.address).sort())
    assert.ok(file.replicas.every((r) => r.isReported))
    assert.ok(file.expiredAt > 0)
    assert.ok(progress.length >= 1)
    assert.equal(progress.at(-1)!.reported, 2)
    assert.ok(progress.every((p, i) => i === 0 || p.blockNumber >= progress[i - 1]!.blockNumber))

    // Three are never reached: the wait ends with how many were.
    await assert.rejects(
      waitForReplicas(api, cid, { replicas: 3, timeoutMs: 1500 }),
      (err: unknown) => code('SDK_ERROR_REPLICA_TIMEOUT')(err) && (err as SdkError).meta?.reached === 2,
    )
  })
})
