/**
 * Unmodified @polkadot/api 4.x clients against real nodes (issue 17, "Old clients"): with
 * `--metadata-version 13` the published `@crustio/crust-pin` (it brings @polkadot/api 4.17) places
 * an order on `crust dev`; with `--metadata-version 12` an @polkadot/api 4.2 client, with Crust's
 * types bundle as Crust's mainnet UI passes it, places an order, reads it back and sends a transfer
 * on `crust node`. Today's @polkadot/api reads the same chain through the Metadata runtime API (V14).
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { connectApi, devArgs, makeBasePath, startDev, startNode } from '@crust-ts/testkit'

const require = createRequire(import.meta.url)
const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const CRUST_PIN_FILE_SIZE = 200 * 1024 * 1024

/** The old API pieces the tests use (they are untyped CommonJS). */
interface OldApi {
  rpc: { state: { getMetadata(): Promise<{ version: number }> } }
  runtimeMetadata: { version: number }
  query: Record<
    string,
    Record<string, (...args: unknown[]) => Promise<{ toJSON(): unknown; isEmpty: boolean; isSome?: boolean; unwrap(): { toJSON(): unknown } }>>
  >
  tx: Record<string, Record<string, (...args: unknown[]) => { signAndSend(pair: unknown, cb: (r: OldResult) => void): Promise<() => void> }>>
  disconnect(): Promise<void>
}
interface OldResult {
  status: { isInBlock: boolean; isInvalid: boolean; isDropped: boolean; type: string }
  events: Array<{ event: { section: string; method: string; data: { toJSON(): unknown } } }>
}
interface OldApiModule {
  ApiPromise: { create(options: Record<string, unknown>): Promise<OldApi> }
  WsProvider: new (url: string) => unknown
  Keyring: new (options: Record<string, unknown>) => { addFromUri(suri: string): { address: string } }
}

/** Sends `tx` and resolves with the events of the block it landed in. */
function sendInBlock(tx: ReturnType<OldApi['tx'][string][string]>, pair: unknown): Promise<string[]> {
  return new Promise((resolve, reject) => {
    tx.signAndSend(pair, (r) => {
      if (r.status.isInvalid || r.status.isDropped) reject(new Error(`transaction ${r.status.type}`))
      if (r.status.isInBlock) resolve(r.events.map((e) => `${e.event.section}.${e.event.method}`))
    }).catch(reject)
  })
}

describe('@polkadot/api 4.x clients', () => {
  it('crust dev --metadata-version 13: @crustio/crust-pin pins a CID; the order is on chain for the 4.17 client and for today’s', async () => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const dev = await startDev(base.path, [...devArgs({ spec: 'dev', storageNodes: 0, srdUnits: 0, gateway: false }), '--metadata-version', '13'])
    try {
      const CrustPinner = require('@crustio/crust-pin').default as new (
        seed: string,
        chain: string,
      ) => { pin(cid: string): Promise<boolean>; crustApi: { disconnect(): Promise<void> } }
      const pinner = new CrustPinner('//Alice', dev.chainRpc)
      try {
        assert.equal(await pinner.pin(CID), true)
      } finally {
        // pin() disconnects only when it succeeds; a failed one would keep reconnecting.
        await pinner.crustApi.disconnect()
      }

      // The 4.17 client crust-pin brings reads the order through the V13 metadata.
      const fromPin = createRequire(require.resolve('@crustio/crust-pin'))
      const old = fromPin('@polkadot/api') as OldApiModule
      const { typesBundleForPolkadot } = fromPin('@crustio/type-definitions')
      const api = await old.ApiPromise.create({ provider: new old.WsProvider(dev.chainRpc), typesBundle: typesBundleForPolkadot })
      try {
        assert.equal(api.runtimeMetadata.version, 13)
        const file = (await api.query.market!.filesV2!(CID)).unwrap().toJSON() as { file_size: number; amount: number }
        assert.equal(file.file_size, CRUST_PIN_FILE_SIZE)
        assert.ok(file.amount > 0)
      } finally {
        await api.disconnect()
      }
      // Today's client asks the Metadata runtime API and gets V14 from the same node.
      const modern = await connectApi(dev.chainRpc)
      try {
        assert.equal(modern.runtimeMetadata.version, 14)
        const file = await modern.query.market.filesV2(CID)
        assert.equal((file.toJSON() as { fileSize: number }).fileSize, CRUST_PIN_FILE_SIZE)
      } finally {
        await modern.disconnect()
      }
    } finally {
      await dev.stop()
      base.remove()
    }
  })

  it('crust node --metadata-version 12: an @polkadot/api 4.2 client places an order, reads market.filesV2 and sends a transfer', async () => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const node = await startNode(base.path, ['--metadata-version', '12'])
    try {
      const old = require('polkadot-api-v4-2') as OldApiModule
      const { typesBundleForPolkadot } = require('@crustio/type-definitions')
      const api = await old.ApiPromise.create({ provider: new old.WsProvider(node.url), typesBundle: typesBundleForPolkadot })
      try {
        assert.equal(api.runtimeMetadata.version, 12)
        const keyring = new old.Keyring({ type: 'sr25519', ss58Format: 66 })
        const alice = keyring.addFromUri('//Alice')
        const fresh = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//OldClientsRecipient').address

        const orderEvents = await sendInBlock(api.tx.market!.placeStorageOrder!(CID, 1024, 0, ''), alice)
        assert.ok(orderEvents.includes('market.FileSuccess'), orderEvents.join(', '))
        const file = (await api.query.market!.filesV2!(CID)).unwrap().toJSON() as { file_size: number }
        assert.equal(file.file_size, 1024)

        const amount = 3n * 10n ** 12n
        const transferEvents = await sendInBlock(api.tx.balances!.transfer!(fresh, amount.toString()), alice)
        assert.ok(transferEvents.includes('balances.Transfer'), transferEvents.join(', '))
        const account = (await api.query.system!.account!(fresh)).toJSON() as { data: { free: number | string } }
        assert.equal(BigInt(account.data.free), amount)
      } finally {
        await api.disconnect()
      }
    } finally {
      node.child.kill('SIGINT')
      await node.exited
      base.remove()
    }
  })
})
