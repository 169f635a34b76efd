/**
 * `submit` and `sendTx` over a fake @polkadot/api: the status sequences a node can produce, typed
 * dispatch errors, pool refusals, nonce-clash retries and aborts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { isNonceClash, SdkError, sendTx, submit, TxDispatchError, TxRejectedError } from '../src/index.js'

type Status = 'Ready' | 'InBlock' | 'Finalized' | 'Usurped' | 'Dropped' | 'Invalid' | 'Retracted'
const HASH = `0x${'ab'.repeat(32)}`

function status(type: Status) {
  const hex = { toHex: () => HASH }
  return {
    type,
    isInBlock: type === 'InBlock',
    isFinalized: type === 'Finalized',
    isUsurped: type === 'Usurped',
    isDropped: type === 'Dropped',
    isInvalid: type === 'Invalid',
    isRetracted: type === 'Retracted',
    isFinalityTimeout: false,
    asInBlock: hex,
    asFinalized: hex,
  }
}

function result(type: Status, dispatchError?: { module: string }) {
  const events = [
    {
      event: { section: 'transactionPayment', method: 'TransactionFeePaid', data: [{ toString: () => 'alice' }, { toBigInt: () => 7n, toString: () => '7' }] },
    },
  ]
  const err = dispatchError === undefined ? undefined : { isModule: true, asModule: dispatchError.module, type: 'Module' }
  return { status: status(type), events, dispatchError: err }
}

/** One script per submission: the pool's refusal, or the statuses to send in turn. */
type Script = { refuse: string } | { statuses: Array<{ type: Status; module?: string }> }

function fake(scripts: Script[]) {
  const unsubscribed: number[] = []
  let submissions = 0
  const api = {
    rpc: { chain: { getHeader: async () => ({ number: { toNumber: () => 42 } }) } },
    registry: { findMetaError: (m: string) => ({ section: m.split('.')[0], name: m.split('.')[1] }) },
  } as unknown as ApiPromise
  const tx = {
    hash: { toHex: () => HASH },
    signAndSend: async (_signer: unknown, _options: unknown, cb: (r: unknown) => void) => {
      const n = submissions++
      const script = scripts[n]!
      if ('refuse' in script) throw new Error(script.refuse)
      let i = 0
      const timer = setInterval(() => {
        const s = script.statuses[i++]
        if (s === undefined) return clearInterval(timer)
        cb(result(s.type, s.module === undefined ? undefined : { module: s.module }))
      }, 5)
      return () => {
        clearInterval(timer)
        unsubscribed.push(n)
      }
    },
  } as unknown as SubmittableExtrinsic<'promise'>
  return { api, tx, unsubscribed, submissions: () => submissions }
}

const signer = { address: 'alice' } as unknown as KeyringPair

describe('tx: submit', () => {
  it('behavior: resolves at InBlock with the block number and the fee paid; unsubscribes', async () => {
    const f = fake([{ statuses: [{ type: 'Ready' }, { type: 'InBlock' }, { type: 'Finalized' }] }])
    const included = await submit(f.api, f.tx, signer)
    assert.equal(included.status, 'inBlock')
    assert.equal(included.blockNumber, 42)
    assert.equal(included.blockHash, HASH)
    assert.equal(included.txFee, 7n)
    assert.deepEqual(f.unsubscribed, [0])
  })

  it('behavior: a first Finalized counts as included (@polkadot/api can skip InBlock); finalized waits past InBlock', async () => {
    const skipped = fake([{ statuses: [{ type: 'Ready' }, { type: 'Finalized' }] }])
    assert.equal((await submit(skipped.api, skipped.tx, signer)).status, 'finalized')
    const waited = fake([{ statuses: [{ type: 'InBlock' }, { type: 'Retracted' }, { type: 'InBlock' }, { type: 'Finalized' }] }])
    assert.equal((await submit(waited.api, waited.tx, signer, { finalized: true })).status, 'finalized')
  })

  it("error: a failed dispatch is TxDispatchError with the pallet.Error name; known ones get the SDK's codes", async () => {
    const f = fake([{ statuses: [{ type: 'InBlock', module: 'staking.AlreadyClaimed' }] }, { statuses: [{ type: 'InBlock', module: 'market.FileTooLarge' }] }])
    await assert.rejects(submit(f.api, f.tx, signer), (err: unknown) => {
      assert.ok(err instanceof TxDispatchError && err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_TX_FAILED')
      assert.equal(err.error, 'staking.AlreadyClaimed')
      assert.deepEqual(err.meta, { error: 'staking.AlreadyClaimed', blockHash: HASH })
      assert.equal(err.result.events.length, 1)
      return true
    })
    await assert.rejects(submit(f.api, f.tx, signer), { code: 'SDK_ERROR_FILE_TOO_LARGE', error: 'market.FileTooLarge' })
  })

  it('behavior: nonce clashes (1014, usurped) are resubmitted; other refusals are not', async () => {
    const f = fake([{ refuse: '1014: Priority is too low: (1 vs 1)' }, { statuses: [{ type: 'Usurped' }] }, { statuses: [{ type: 'InBlock' }] }])
    assert.equal((await submit(f.api, f.tx, signer, { retryDelayMs: 1 })).blockNumber, 42)
    assert.equal(f.submissions(), 3)
    const poor = fake([{ refuse: '1010: Invalid Transaction: Inability to pay some fees , e.g. account balance too low' }])
    await assert.rejects(submit(poor.api, poor.tx, signer, { retryDelayMs: 1 }), (err: unknown) => {
      assert.ok(err instanceof TxRejectedError)
      assert.equal(err.code, 'SDK_ERROR_NO_FUNDS')
      assert.equal(err.rpcCode, 1010)
      assert.equal(isNonceClash(err), false)
      return true
    })
    assert.equal(poor.submissions(), 1)
    const clash = fake([{ refuse: '1014: Priority is too low' }, { refuse: '1014: Priority is too low' }])
    await assert.rejects(submit(clash.api, clash.tx, signer, { nonceRetries: 1, retryDelayMs: 1 }), {
      code: 'SDK_ERROR_TX_REJECTED',
      rpcCode: 1014,
      reason: '1014: Priority is too low',
    })
    assert.equal(clash.submissions(), 2)
  })

  it('error: invalid before inclusion is TX_REJECTED with the status; an abort is SDK_ERROR_ABORTED and ends the watch', async () => {
    const f = fake([{ statuses: [{ type: 'Invalid' }] }])
    await assert.rejects(submit(f.api, f.tx, signer), {
      code: 'SDK_ERROR_TX_REJECTED',
      status: 'Invalid',
      message: 'the transaction was invalid before inclusion',
    })
    const slow = fake([{ statuses: [{ type: 'Ready' }] }])
    const controller = new AbortController()
    const pending = submit(slow.api, slow.tx, signer, { signal: controller.signal })
    setTimeout(() => controller.abort(), 30)
    await assert.rejects(pending, { code: 'SDK_ERROR_ABORTED' })
    assert.deepEqual(slow.unsubscribed, [0])
  })
})

describe('tx: sendTx', () => {
  it("behavior: the pool's answer first, then an outcome that never rejects (included with its dispatch error, or dropped)", async () => {
    const f = fake([
      { statuses: [{ type: 'InBlock', module: 'market.FileNotExist' }] },
      { statuses: [{ type: 'Dropped' }] },
      { refuse: '1013: Transaction Already Imported' },
    ])
    const sent = await sendTx(f.api, f.tx, { signer })
    assert.equal(sent.hash, HASH)
    const outcome = await sent.outcome
    assert.equal(outcome.kind, 'included')
    assert.equal(outcome.kind === 'included' && outcome.dispatchError, 'market.FileNotExist')
    assert.equal(outcome.kind === 'included' && outcome.blockNumber, 42)
    assert.deepEqual(await (await sendTx(f.api, f.tx, { signer })).outcome.then((o) => [o.kind, o.kind === 'dropped' && o.status]), ['dropped', 'Dropped'])
    await assert.rejects(sendTx(f.api, f.tx, { signer }), { code: 'SDK_ERROR_TX_REJECTED', rpcCode: 1013 })
  })
})
