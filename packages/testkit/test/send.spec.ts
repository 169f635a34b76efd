/**
 * testkit's `send` over a fake @polkadot/api whose first status is `Finalized` (what a node whose
 * finality follows right behind its best block can give): the block hash comes back without reading
 * `asInBlock`, which throws on such a status as @polkadot/api's enum does.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { send, type Signer } from '../src/send.js'

const FINAL = `0x${'cd'.repeat(32)}`

function finalizedFirst(module?: string) {
  const status = {
    type: 'Finalized',
    isInBlock: false,
    isFinalized: true,
    isUsurped: false,
    isDropped: false,
    isInvalid: false,
    isRetracted: false,
    isFinalityTimeout: false,
    get asInBlock(): never {
      throw new Error("Cannot convert 'Finalized' via asInBlock")
    },
    asFinalized: { toHex: () => FINAL },
  }
  const result = {
    status,
    events: [],
    dispatchError: module === undefined ? undefined : { isModule: true, asModule: module, type: 'Module' },
  }
  const api = {
    rpc: { chain: { getHeader: async () => ({ number: { toNumber: () => 7 } }) } },
    registry: { findMetaError: (m: string) => ({ section: m.split('.')[0], name: m.split('.')[1] }) },
  } as unknown as ApiPromise
  const tx = {
    hash: { toHex: () => `0x${'01'.repeat(32)}` },
    signAndSend: async (_signer: unknown, _options: unknown, cb: (r: unknown) => void) => {
      setImmediate(() => cb(result))
      return () => {}
    },
  } as unknown as SubmittableExtrinsic<'promise'>
  return { api, tx }
}

const signer = { address: 'alice' } as unknown as Signer

describe('testkit: send', () => {
  it('behavior: a transaction first seen Finalized resolves with that block hash', async () => {
    const { api, tx } = finalizedFirst()
    const sent = await send(api, tx, signer)
    assert.equal(sent.error, undefined)
    assert.equal(sent.blockHash, FINAL)
    assert.equal(sent.result.status.isFinalized, true)
  })

  it('behavior: a failed dispatch first seen Finalized gives its error and block hash', async () => {
    const { api, tx } = finalizedFirst('staking.AlreadyClaimed')
    const sent = await send(api, tx, signer)
    assert.equal(sent.error, 'staking.AlreadyClaimed')
    assert.equal(sent.blockHash, FINAL)
  })
})
