/**
 * The calls Crust Apps and polkadot.js wallets send, through an unmodified @polkadot/api against a
 * `crust node` process: balances.transfer, utility.batchAll([bond, validate]), utility.batch with its
 * events, a 2-of-3 multisig transfer, add_proxy then proxy(transfer), and a delayed proxy's
 * announce then proxy_announced.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { createKeyMulti, cryptoWaitReady, encodeAddress, sortAddresses } from '@polkadot/util-crypto'
import { connectApi, makeBasePath, type NodeProcess, startNode } from '@crust-ts/testkit'
import { send, type Signer } from './fixtures/send.js'

const CRU = 10n ** 12n
const MAX_WEIGHT = { refTime: 1_000_000_000, proofSize: 0 }

describe('calls of users tools end to end', () => {
  let node: NodeProcess
  let api: ApiPromise
  const base = makeBasePath()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let alice: Signer
  let bob: Signer
  let charlie: Signer
  let dave: Signer
  let eve: Signer

  before(async () => {
    await cryptoWaitReady()
    ;[alice, bob, charlie, dave, eve] = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve'].map((n) => keyring.addFromUri(`//${n}`)) as [
      Signer,
      Signer,
      Signer,
      Signer,
      Signer,
    ]
    node = await startNode(base.path)
    api = await connectApi(node.url)
  })

  after(async () => {
    await api?.disconnect()
    node?.child.kill('SIGTERM')
    await node?.exited
    base.remove()
  })

  const free = async (address: string) => (await api.query.system.account(address)).data.free.toBigInt()
  const methods = (result: Awaited<ReturnType<typeof send>>['result'], section: string) =>
    result.events.filter(({ event }) => event.section === section).map(({ event }) => event.method)

  it('behavior: balances.transfer (call index 7) moves funds', async () => {
    const to = keyring.addFromUri('//calls-e2e-transfer').address
    const sent = await send(api, api.tx.balances.transfer(to, 5n * CRU), alice)
    assert.equal(sent.error, undefined)
    assert.equal(await free(to), 5n * CRU)
    assert.deepEqual(
      methods(sent.result, 'balances').filter((m) => m === 'Transfer'),
      ['Transfer'],
    )
  })

  it('behavior: utility.batchAll([staking.bond, staking.validate]) makes the sender a validator candidate', async () => {
    // Crust's staking calls, not the Substrate ones the API is augmented with.
    const staking = (name: string, ...args: unknown[]) => (api.tx.staking[name] as unknown as (...a: unknown[]) => SubmittableExtrinsic<'promise'>)(...args)
    const calls = [staking('bond', dave.address, 1000n * CRU), staking('validate', { guaranteeFee: 0 })]
    const sent = await send(api, api.tx.utility.batchAll(calls), dave)
    assert.equal(sent.error, undefined)
    assert.deepEqual(methods(sent.result, 'utility'), ['ItemCompleted', 'ItemCompleted', 'BatchCompleted'])
    const validators = (await api.query.staking.validators.keys()).map((k) => encodeAddress(k.args[0]!.toU8a(), 66))
    assert.ok(validators.includes(dave.address))
  })

  it('behavior: utility.batch of two transfers emits ItemCompleted twice and BatchCompleted; a failing second item gives BatchInterrupted', async () => {
    const to = keyring.addFromUri('//calls-e2e-batch').address
    const ok = await send(api, api.tx.utility.batch([api.tx.balances.transferKeepAlive(to, CRU), api.tx.balances.transferKeepAlive(to, 2n * CRU)]), alice)
    assert.equal(ok.error, undefined)
    assert.deepEqual(methods(ok.result, 'utility'), ['ItemCompleted', 'ItemCompleted', 'BatchCompleted'])
    assert.equal(await free(to), 3n * CRU)
    const interrupted = await send(
      api,
      api.tx.utility.batch([api.tx.balances.transferKeepAlive(to, CRU), api.tx.balances.transferKeepAlive(to, 10n ** 30n)]),
      alice,
    )
    assert.equal(interrupted.error, undefined)
    const event = interrupted.result.events.find(({ event }) => event.method === 'BatchInterrupted')!.event
    assert.equal(event.data[0]!.toString(), '1')
    assert.equal(await free(to), 4n * CRU)
  })

  it('behavior: a 2-of-3 multisig transfer: as_multi by Alice, then as_multi with the timepoint by Bob executes it', async () => {
    const multi = encodeAddress(createKeyMulti([alice.address, bob.address, charlie.address], 2), 66)
    assert.equal((await send(api, api.tx.balances.transferKeepAlive(multi, 50n * CRU), alice)).error, undefined)
    const to = keyring.addFromUri('//calls-e2e-multisig').address
    const inner = api.tx.balances.transferKeepAlive(to, 7n * CRU)
    // Substrate wants the other signatories sorted (Crust Apps sorts them the same way).
    const others = (who: Signer) =>
      sortAddresses(
        [alice, bob, charlie].filter((s) => s !== who).map((s) => s.address),
        66,
      )
    const first = await send(api, api.tx.multisig.asMulti(2, others(alice), null, inner, MAX_WEIGHT), alice)
    assert.equal(first.error, undefined)
    assert.deepEqual(methods(first.result, 'multisig'), ['NewMultisig'])
    const open = (await api.query.multisig.multisigs(multi, inner.method.hash)).unwrap()
    const second = await send(api, api.tx.multisig.asMulti(2, others(bob), open.when, inner, MAX_WEIGHT), bob)
    assert.equal(second.error, undefined)
    assert.deepEqual(methods(second.result, 'multisig'), ['MultisigExecuted'])
    assert.equal(await free(to), 7n * CRU)
    assert.equal((await api.query.multisig.multisigs(multi, inner.method.hash)).isNone, true)
  })

  it('behavior: add_proxy, then proxy(transfer) by the delegate spends the real account', async () => {
    assert.equal((await send(api, api.tx.proxy.addProxy(eve.address, 'Any', 0), charlie)).error, undefined)
    const proxies = await api.query.proxy.proxies(charlie.address)
    assert.equal(encodeAddress(proxies[0][0]!.delegate, 66), eve.address)
    const to = keyring.addFromUri('//calls-e2e-proxy').address
    const before = await free(charlie.address)
    const sent = await send(api, api.tx.proxy.proxy(charlie.address, null, api.tx.balances.transferKeepAlive(to, 9n * CRU)), eve)
    assert.equal(sent.error, undefined)
    const executed = sent.result.events.find(({ event }) => event.method === 'ProxyExecuted')!.event
    assert.equal((executed.data[0] as unknown as { isOk: boolean }).isOk, true)
    assert.equal(await free(to), 9n * CRU)
    assert.equal(await free(charlie.address), before - 9n * CRU)
  })

  it('behavior: a delayed proxy (delay 1) is refused plain proxy (Unannounced), announces the call by its hash, and proxy_announced sent by anyone a block later runs it and releases the deposit', async () => {
    assert.equal((await send(api, api.tx.proxy.addProxy(bob.address, 'Any', 1), alice)).error, undefined)
    const to = keyring.addFromUri('//calls-e2e-announced').address
    const inner = api.tx.balances.transferKeepAlive(to, 4n * CRU)
    assert.equal((await send(api, api.tx.proxy.proxy(alice.address, null, inner), bob)).error, 'proxy.Unannounced')
    const reserved = (await api.query.system.account(bob.address)).data.reserved.toBigInt()
    // The hash @polkadot/api computes for the call is the one the runtime checks.
    const announced = await send(api, api.tx.proxy.announce(alice.address, inner.method.hash), bob)
    assert.equal(announced.error, undefined)
    assert.deepEqual(methods(announced.result, 'proxy'), ['Announced'])
    const [pending, deposit] = await api.query.proxy.announcements(bob.address)
    assert.deepEqual(
      pending.map((a) => [encodeAddress(a.real, 66), a.callHash.toHex()]),
      [[alice.address, inner.method.hash.toHex()]],
    )
    const expected = api.consts.proxy.announcementDepositBase.toBigInt() + api.consts.proxy.announcementDepositFactor.toBigInt()
    assert.equal(deposit.toBigInt(), expected)
    assert.equal((await api.query.system.account(bob.address)).data.reserved.toBigInt(), reserved + expected)
    // `send` waits for the announcement's block, so this lands at least one block (the delay) later.
    const executed = await send(api, api.tx.proxy.proxyAnnounced(bob.address, alice.address, null, inner), dave)
    assert.equal(executed.error, undefined)
    const event = executed.result.events.find(({ event }) => event.method === 'ProxyExecuted')!.event
    assert.equal((event.data[0] as unknown as { isOk: boolean }).isOk, true)
    assert.equal(await free(to), 4n * CRU)
    assert.equal((await api.query.proxy.announcements(bob.address))[0].length, 0)
    assert.equal((await api.query.system.account(bob.address)).data.reserved.toBigInt(), reserved)
  })
})
