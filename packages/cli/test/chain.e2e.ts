/**
 * The chain node driven by the unmodified @polkadot/api client, as wallets and apps use it: the
 * node runs as a real child process on a loopback port.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { ISubmittableResult } from '@polkadot/types/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'

const CRU = 10n ** 12n
const ENDOWMENT = 1_000_000n * CRU

type Signer = ReturnType<Keyring['addFromUri']>

/** Sends and resolves with the Finalized result, collecting every status seen. */
function sendAndFinalize(tx: SubmittableExtrinsic<'promise'>, signer: Signer, options: Record<string, unknown> = {}) {
  return new Promise<{ result: ISubmittableResult; statuses: string[] }>((resolve, reject) => {
    const statuses: string[] = []
    tx.signAndSend(signer, options, (result) => {
      statuses.push(result.status.type)
      if (result.status.isFinalized) resolve({ result, statuses })
      if (result.status.isInvalid || result.status.isDropped) reject(new Error(`transaction ${result.status.type}`))
    }).catch(reject)
  })
}

const freeOf = async (api: ApiPromise, address: string) => (await api.query.system.account(address)).data.free.toBigInt()

/** payment_queryInfo's partial fee for the (signed) `tx` on the parent of the block that included it. */
async function feeAtInclusion(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, result: ISubmittableResult): Promise<bigint> {
  const block = result.status.isFinalized ? result.status.asFinalized : result.status.asInBlock
  const parent = (await api.rpc.chain.getHeader(block)).parentHash
  return (await api.rpc.payment.queryInfo(tx.toHex(), parent)).partialFee.toBigInt()
}

describe('chain node with @polkadot/api', () => {
  let node: NodeProcess
  let api: ApiPromise
  let base: ReturnType<typeof makeBasePath>
  let alice: Signer
  let bob: Signer
  let charlie: Signer

  before(async () => {
    await cryptoWaitReady()
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    alice = keyring.addFromUri('//Alice')
    bob = keyring.addFromUri('//Bob')
    charlie = keyring.addFromUri('//Charlie')
    base = makeBasePath()
    node = await startNode(base.path)
    api = await connectApi(node.url)
  })

  after(async () => {
    await api?.disconnect()
    node?.child.kill('SIGTERM')
    await node?.exited
    base?.remove()
  })

  it('behavior: connects and reads the genesis values', async () => {
    assert.equal((await api.rpc.system.chain()).toString(), 'Crust Dev')
    assert.equal(api.runtimeVersion.specName.toString(), 'crust')
    assert.equal(api.registry.chainSS58, 66)
    assert.equal(api.registry.chainDecimals[0], 12)
    assert.equal(api.consts.balances.existentialDeposit.toString(), '100000000')
    const account = await api.query.system.account(bob.address)
    assert.equal(account.data.free.toBigInt(), ENDOWMENT)
    assert.equal(account.nonce.toNumber(), 0)
    assert.equal((await api.query.sudo.key()).toString(), alice.address)
  })

  it('behavior: transferKeepAlive reaches InBlock and Finalized, moves x plus the predicted fee', async () => {
    const x = 12_345n * CRU
    const aliceBefore = await freeOf(api, alice.address)
    const bobBefore = await freeOf(api, bob.address)
    const tx = api.tx.balances.transferKeepAlive(bob.address, x)
    assert.ok((await tx.paymentInfo(alice)).partialFee.toBigInt() > 0n)
    const { result, statuses } = await sendAndFinalize(tx, alice)
    // The fee multiplier moves every block (TargetedFeeAdjustment): the fee charged is the one
    // payment_queryInfo gives on the parent of the block that included the transaction.
    const fee = await feeAtInclusion(api, tx, result)
    assert.ok(statuses.includes('Ready'))
    assert.ok(statuses.includes('InBlock'))
    assert.equal(statuses.at(-1), 'Finalized')
    const names = result.events.map(({ event }) => `${event.section}.${event.method}`)
    assert.ok(names.includes('balances.Transfer'), names.join(','))
    assert.ok(names.includes('transactionPayment.TransactionFeePaid'), names.join(','))
    assert.equal(names.at(-1), 'system.ExtrinsicSuccess')
    const index = result.txIndex!
    assert.ok(index >= 1, 'the timestamp inherent is extrinsic 0')
    for (const { phase } of result.events) assert.equal(phase.asApplyExtrinsic.toNumber(), index)
    const feePaid = result.events.find(({ event }) => event.method === 'TransactionFeePaid')!.event.data
    assert.equal(BigInt(feePaid[1]!.toString()), fee)
    const blockHash = result.status.asFinalized
    const atBlock = await api.at(blockHash)
    assert.equal((await atBlock.query.system.account(bob.address)).data.free.toBigInt(), bobBefore + x)
    assert.equal((await atBlock.query.system.account(alice.address)).data.free.toBigInt(), aliceBefore - x - fee)
  })

  // Crust's fee (runtime/src/lib.rs:718-733, impls.rs:52-68): base 30 % × 125·10^6, length × 10^5,
  // multiplier × 30 % × place_storage_order's weight (cstrml/market/src/weight.rs:19-23: 719·10^6 + 16 reads + 9 writes).
  it('behavior: payment_queryInfo for a storage order is Crust formula and the fee charged', async () => {
    const cid = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    const tx = api.tx.market!.placeStorageOrder!(cid, 1_048_576, 0, '0x')
    const { result } = await sendAndFinalize(tx, alice)
    assert.equal(result.dispatchError, undefined)
    const block = result.status.asFinalized
    const parent = (await api.rpc.chain.getHeader(block)).parentHash
    const info = await api.rpc.payment.queryInfo(tx.toHex(), parent)
    const multiplier = BigInt((await (await api.at(parent)).query.transactionPayment!.nextFeeMultiplier!()).toString())
    const weightFee = ((((719_000_000n + 16n * 25_000_000n + 9n * 100_000_000n) * 3n) / 10n) * multiplier) / 10n ** 18n
    assert.equal(info.partialFee.toBigInt(), 37_500_000n + BigInt(tx.encodedLength) * 100_000n + weightFee)
    const paid = result.events.find(({ event }) => event.method === 'TransactionFeePaid')!.event.data
    assert.equal(BigInt(paid[1]!.toString()), info.partialFee.toBigInt())
    assert.ok(multiplier < 10n ** 18n, 'the multiplier fell from 1 over the mostly empty blocks so far')
  })

  it('error: a bad signature is refused with 1010 and changes nothing', async () => {
    const before = await api.query.system.account(alice.address)
    const signed = await api.tx.balances.transferKeepAlive(bob.address, 1n).signAsync(alice)
    const bytes = signed.toU8a()
    bytes[40] ^= 1
    await assert.rejects(api.rpc.author.submitExtrinsic(u8aToHex(bytes)), /1010: Invalid Transaction: Transaction has a bad signature/)
    const after = await api.query.system.account(alice.address)
    assert.equal(after.nonce.toNumber(), before.nonce.toNumber())
    assert.equal(after.data.free.toBigInt(), before.data.free.toBigInt())
  })

  it('error: a reused nonce is refused as outdated (1010)', async () => {
    const nonce = (await api.query.system.account(alice.address)).nonce.toNumber()
    assert.ok(nonce > 0)
    await assert.rejects(
      api.tx.balances.transferKeepAlive(bob.address, 1n).signAndSend(alice, { nonce: nonce - 1 }),
      /1010: Invalid Transaction: Transaction is outdated/,
    )
  })

  it('error: a fee the account cannot pay is refused (1010) and changes nothing', async () => {
    const pauper = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Pauper')
    await assert.rejects(api.tx.balances.transferKeepAlive(bob.address, 1n).signAndSend(pauper), /1010: Invalid Transaction: Inability to pay some fees/)
    assert.equal(await freeOf(api, pauper.address), 0n)
  })

  it('error: garbage bytes get a JSON-RPC error', async () => {
    // Sent as raw JSON-RPC over HTTP: the client library would refuse to encode such bytes itself.
    const call = async (body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${node.port}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return (await res.json()) as { error?: { code: number; message: string; data?: string } }
    }
    const garbage = await call({ jsonrpc: '2.0', id: 1, method: 'author_submitExtrinsic', params: ['0x0102deadbeef'] })
    assert.equal(garbage.error?.code, 1001)
    assert.equal(garbage.error?.message, 'Extrinsic has invalid format')
    const notHex = await call({ jsonrpc: '2.0', id: 2, method: 'author_submitExtrinsic', params: ['hello'] })
    assert.equal(notHex.error?.code, -32602)
    const noParams = await call({ jsonrpc: '2.0', id: 3, method: 'state_getStorage', params: [42] })
    assert.equal(noParams.error?.code, -32602)
    const unknownBlock = await call({ jsonrpc: '2.0', id: 4, method: 'state_getStorage', params: ['0x00', `0x${'ab'.repeat(32)}`] })
    assert.equal(unknownBlock.error?.code, 4003)
    // The genesis validator set (//Alice//stash, invulnerable, weight 1) until an election has candidates.
    const validators = (await call({ jsonrpc: '2.0', id: 5, method: 'staking_electedValidators', params: [] })) as {
      result?: Array<{ stash: string; weight: string }>
    }
    const aliceStash = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Alice//stash').address
    assert.deepEqual(validators.result, [{ stash: aliceStash, weight: '1' }])
  })

  it('behavior: a nonce ahead of the account waits in the future queue, then goes in once the gap is filled', async () => {
    const nonce = (await api.query.system.account(charlie.address)).nonce.toNumber()
    const futureStatuses: string[] = []
    const futureDone = new Promise<void>((resolve, reject) => {
      api.tx.balances
        .transferKeepAlive(bob.address, 2n * CRU)
        .signAndSend(charlie, { nonce: nonce + 1 }, (r) => {
          futureStatuses.push(r.status.type)
          if (r.status.isFinalized) resolve()
        })
        .catch(reject)
    })
    await waitFor(async () => (futureStatuses.includes('Future') ? true : undefined), 'the Future status')
    const pending = await api.rpc.author.pendingExtrinsics()
    assert.equal(pending.length, 1)
    assert.equal((await api.query.system.account(charlie.address)).nonce.toNumber(), nonce)
    await sendAndFinalize(api.tx.balances.transferKeepAlive(bob.address, 1n * CRU), charlie, { nonce })
    await futureDone
    assert.deepEqual(futureStatuses.slice(0, 2), ['Future', 'Ready'])
    assert.equal((await api.query.system.account(charlie.address)).nonce.toNumber(), nonce + 2)
  })

  it('error: an unaffordable transfer is included and fails at dispatch; only the fee is charged', async () => {
    const dave = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Dave')
    const before = await freeOf(api, dave.address)
    const tx = api.tx.balances.transferKeepAlive(bob.address, ENDOWMENT * 2n)
    const { result } = await sendAndFinalize(tx, dave)
    const fee = await feeAtInclusion(api, tx, result)
    assert.ok(result.dispatchError?.isModule)
    const decoded = api.registry.findMetaError(result.dispatchError!.asModule)
    assert.equal(`${decoded.section}.${decoded.name}`, 'balances.InsufficientBalance')
    assert.equal(result.events.at(-1)!.event.method, 'ExtrinsicFailed')
    assert.equal(await freeOf(api, dave.address), before - fee)
  })

  it('error: a keep-alive transfer that would leave less than the existential deposit fails at dispatch', async () => {
    const eve = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Eve')
    const free = await freeOf(api, eve.address)
    const probe = api.tx.balances.transferKeepAlive(bob.address, free)
    const fee = (await probe.paymentInfo(eve)).partialFee.toBigInt()
    // Affordable after the fee, but it would leave Eve with less than the existential deposit (10^8).
    const { result } = await sendAndFinalize(api.tx.balances.transferKeepAlive(bob.address, free - fee - 50_000_000n), eve)
    const decoded = api.registry.findMetaError(result.dispatchError!.asModule)
    assert.equal(`${decoded.section}.${decoded.name}`, 'balances.Expendability')
  })

  it('behavior: sudo dispatches a root call', async () => {
    const target = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Target')
    const { result } = await sendAndFinalize(api.tx.sudo.sudo(api.tx.balances.forceSetBalance(target.address, 5n * CRU)), alice)
    const sudid = result.events.find(({ event }) => event.method === 'Sudid')!
    assert.ok((sudid.event.data[0] as unknown as { isOk: boolean }).isOk)
    assert.equal(await freeOf(api, target.address), 5n * CRU)
  })

  it('behavior: keys paging and entries list every funded account', async () => {
    const entries = await api.query.system.account.entries()
    const addresses = entries.map(([key]) => key.args[0]!.toString())
    for (const who of [alice, bob, charlie]) assert.ok(addresses.includes(who.address))
  })
})
