/**
 * The calls added for issue 17 (proxy.create_pure / kill_pure, utility.dispatch_as,
 * market.update_replicas) as wallets build them: @polkadot/types decorates `api.tx.*` from our V14
 * metadata, and the bytes it makes decode in the runtime to the values it was given, at
 * Substrate's and Crust's call indices.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { Metadata } from '@polkadot/types'
import { expandMetadata } from '@polkadot/types/metadata'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { PALLET_INDEX, Runtime } from '../src/runtime/runtime.js'

type Tx = Record<string, Record<string, (...args: unknown[]) => { toU8a(): Uint8Array; callIndex: Uint8Array }>>

const account = (n: number) => new Uint8Array(32).fill(n)
const hex = (value: unknown): unknown =>
  value instanceof Uint8Array
    ? u8aToHex(value)
    : Array.isArray(value)
      ? value.map(hex)
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hex(v)]))
        : value

describe('new calls in the V14 metadata, as @polkadot/types builds them', () => {
  let runtime: Runtime
  let tx: Tx
  const decode = (call: { toU8a(): Uint8Array }): unknown => hex(runtime.decodeCall(call.toU8a()))
  before(async () => {
    await cryptoWaitReady()
    runtime = new Runtime(defaultRuntimeConfig)
    tx = expandMetadata(runtime.registry, new Metadata(runtime.registry, runtime.metadata)).tx as unknown as Tx
  })

  it('behavior: proxy.createPure(type, delay, index) and proxy.killPure(spawner, type, index, height, extIndex) are Proxy calls 4 and 5', () => {
    const create = tx.proxy!.createPure!('Staking', 3, 9)
    assert.deepEqual([...create.callIndex], [PALLET_INDEX.Proxy, 4])
    assert.deepEqual(decode(create), {
      tag: 'Proxy',
      value: { tag: 'create_pure', value: { proxy_type: { tag: 'Staking', value: undefined }, delay: 3, index: 9 } },
    })
    const kill = tx.proxy!.killPure!({ Id: account(1) }, 'Any', 9, 70_000, 2)
    assert.deepEqual([...kill.callIndex], [PALLET_INDEX.Proxy, 5])
    assert.deepEqual(decode(kill), {
      tag: 'Proxy',
      value: {
        tag: 'kill_pure',
        value: { spawner: { tag: 'Id', value: u8aToHex(account(1)) }, proxy_type: { tag: 'Any', value: undefined }, index: 9, height: 70_000, ext_index: 2 },
      },
    })
  })

  it('behavior: utility.dispatchAs({ system: { Signed } | "Root" }, call) is Utility call 3 with the carried call', () => {
    const inner = tx.balances!.transferKeepAlive!({ Id: account(2) }, 5)
    const asSigned = tx.utility!.dispatchAs!({ system: { Signed: account(3) } }, inner)
    assert.deepEqual([...asSigned.callIndex], [PALLET_INDEX.Utility, 3])
    const decoded = runtime.decodeCall(asSigned.toU8a()) as RuntimeCallValue
    assert.deepEqual(hex(decoded.value.value.as_origin), { tag: 'system', value: { tag: 'Signed', value: u8aToHex(account(3)) } })
    assert.deepEqual(hex(decoded.value.value.call), {
      tag: 'Balances',
      value: { tag: 'transfer_keep_alive', value: { dest: { tag: 'Id', value: u8aToHex(account(2)) }, value: 5n } },
    })
    const asRoot = runtime.decodeCall(tx.utility!.dispatchAs!({ system: 'Root' }, inner).toU8a()) as RuntimeCallValue
    assert.deepEqual(asRoot.value.value.as_origin, { tag: 'system', value: { tag: 'Root', value: undefined } })
  })

  it("behavior: market.updateReplicas(fileInfosMap, lastProcessedBlockWrs) is Market call 3 with Crust's raw tuples", () => {
    const cid = new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    const anchor = new Uint8Array(64).fill(9)
    // As clients pass `Bytes`: the CID as its text, the anchor as hex (a bare Uint8Array would be read as length-prefixed).
    const call = tx.market!.updateReplicas!([[new TextDecoder().decode(cid), 1024, [[account(4), account(5), u8aToHex(anchor), 600, 605, 601, true]]]], 610)
    assert.deepEqual([...call.callIndex], [PALLET_INDEX.Market, 3])
    assert.deepEqual(decode(call), {
      tag: 'Market',
      value: {
        tag: 'update_replicas',
        value: {
          file_infos_map: [[u8aToHex(cid), 1024n, [[u8aToHex(account(4)), u8aToHex(account(5)), u8aToHex(anchor), 600n, 605, 601, true]]]],
          last_processed_block_wrs: 610,
        },
      },
    })
  })

  it('behavior: the metadata names the new events with their fields (Proxy.PureCreated 1, Proxy.PureKilled 5) and the new storage items', () => {
    const md = runtime.registry.metadata
    const pallet = (name: string) => md.pallets.find((p) => p.name.toString() === name)!
    const events = runtime.registry.lookup.getSiType(pallet('Proxy').events.unwrap().type).def.asVariant.variants
    const fields = (name: string) => {
      const v = events.find((e) => e.name.toString() === name)!
      return [v.index.toNumber(), v.fields.map((f) => f.name.unwrap().toString())]
    }
    assert.deepEqual(fields('PureCreated'), [1, ['pure', 'who', 'proxy_type', 'disambiguation_index']])
    assert.deepEqual(fields('PureKilled'), [5, ['pure', 'spawner', 'proxy_type', 'disambiguation_index']])
    const items = (name: string) =>
      pallet(name)
        .storage.unwrap()
        .items.map((i) => i.name.toString())
    assert.ok(items('Market').includes('LastReplicasUpdateBlock'))
    assert.ok(items('Swork').includes('LastProcessedBlockWorkReports'))
  })
})
