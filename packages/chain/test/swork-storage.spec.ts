/**
 * sWork storage as clients see it: FRAME double-map keys, metadata that @polkadot/types reads, and
 * values that `@crustio/type-definitions` decodes with Crust's field names and orders.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { typesBundleForPolkadot } from '@crustio/type-definitions'
import { Metadata, TypeRegistry } from '@polkadot/types'
import { expandMetadata } from '@polkadot/types/metadata'
import { compactStripLength, u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import fc from 'fast-check'
import { Groups, Identities, PubKeys, ReportedInSlot, WorkReports } from '../src/pallets/swork/index.js'
import { accountSet } from '../src/pallets/swork/types.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { bytes, u64 } from '../src/primitives/codec/scale-type.js'
import { OverlayState } from '../src/frame/overlay.js'
import { Runtime } from '../src/runtime/runtime.js'
import { doubleMapWithDefault, optionalDoubleMap } from '../src/frame/storage.js'

/** A registry with Crust's client type definitions (what polkadot.js apps and crust.js load). */
function crustRegistry(): TypeRegistry {
  const registry = new TypeRegistry()
  const bundle = typesBundleForPolkadot as unknown as { spec: { crust: { types: Array<{ types: Record<string, unknown> }> } } }
  registry.register(bundle.spec.crust.types[0]!.types as never)
  registry.setChainProperties(registry.createType('ChainProperties', { ss58Format: 66 }) as never)
  return registry
}

const account = (n: number) => new Uint8Array(32).fill(n)

describe('swork storage', () => {
  let runtime: Runtime
  before(async () => {
    await cryptoWaitReady()
    runtime = new Runtime(defaultRuntimeConfig)
  })

  it('behavior: ReportedInSlot keys are the keys @polkadot/types computes for the double map', () => {
    const query = expandMetadata(runtime.registry, new Metadata(runtime.registry, runtime.metadata)).query as unknown as Record<
      string,
      Record<string, ((...args: unknown[]) => Uint8Array) & { meta: { type: { asMap: { hashers: Array<{ toString(): string }> } } } }>
    >
    const fn = query.swork!.reportedInSlot!
    assert.deepEqual(
      fn.meta.type.asMap.hashers.map((x) => x.toString()),
      ['Twox64Concat', 'Twox64Concat'],
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (anchor, slot) => {
        const ours = ReportedInSlot.key(anchor, slot)
        // The decorated query returns the key with its SCALE length prefix.
        const [, theirs] = compactStripLength(fn(u8aToHex(anchor), slot))
        assert.equal(u8aToHex(ours), u8aToHex(theirs))
        assert.deepEqual(ReportedInSlot.decodeKeys(ours), [anchor, slot])
      }),
      { numRuns: 50 },
    )
  })

  it('behavior: a double map reads its default, writes, removes, and refuses to decode hashed keys', () => {
    const state = new OverlayState(() => undefined)
    const withDefault = doubleMapWithDefault({
      pallet: 'Test',
      name: 'D',
      hashers: ['Blake2_128Concat', 'Twox64Concat'],
      key1: bytes,
      key2: u64,
      value: u64,
      default: 7n,
    })
    assert.equal(withDefault.get(state, Uint8Array.of(1), 2n), 7n)
    withDefault.insert(state, Uint8Array.of(1), 2n, 9n)
    assert.equal(withDefault.get(state, Uint8Array.of(1), 2n), 9n)
    assert.equal(withDefault.get(state, Uint8Array.of(1), 3n), 7n)
    assert.ok(withDefault.contains(state, Uint8Array.of(1), 2n))
    assert.deepEqual(withDefault.key(Uint8Array.of(1), 2n).subarray(0, withDefault.prefixFor(Uint8Array.of(1)).length), withDefault.prefixFor(Uint8Array.of(1)))
    withDefault.remove(state, Uint8Array.of(1), 2n)
    assert.equal(withDefault.contains(state, Uint8Array.of(1), 2n), false)
    const optional = optionalDoubleMap({ pallet: 'Test', name: 'O', hashers: ['Blake2_128', 'Twox64Concat'], key1: bytes, key2: u64, value: u64 })
    assert.equal(optional.get(state, Uint8Array.of(1), 2n), undefined)
    assert.throws(() => optional.decodeKeys(optional.key(Uint8Array.of(1), 2n)))
  })

  it('behavior: the metadata describes the double map with both hashers and a (key1, key2) tuple key', () => {
    const pallet = runtime.registry.metadata.pallets.find((p) => p.name.eq('Swork'))!
    const entry = pallet.storage.unwrap().items.find((i) => i.name.eq('ReportedInSlot'))!
    const map = entry.type.asMap
    const key = runtime.registry.lookup.getSiType(map.key)
    assert.ok(key.def.isTuple)
    assert.equal(key.def.asTuple.length, 2)
    assert.equal(entry.modifier.toString(), 'Default')
  })

  it("behavior: WorkReport, Identity, PKInfo and Group decode with Crust's client types and with our metadata", () => {
    const crust = crustRegistry()
    const state = new OverlayState(() => undefined)
    const anchor = new Uint8Array(64).fill(5)
    const wr = {
      report_slot: 600n,
      spower: 1n << 40n,
      free: 123n,
      reported_files_size: 77n,
      reported_srd_root: Uint8Array.of(1, 2),
      reported_files_root: Uint8Array.of(3),
    }
    WorkReports.insert(state, anchor, wr)
    Identities.insert(state, account(1), { anchor, punishment_deadline: 4800n, group: account(9) })
    PubKeys.insert(state, anchor, { code: Uint8Array.of(8, 8), anchor })
    Groups.insert(state, account(9), { members: [account(3), account(2), account(3)], allowlist: [account(4)] })
    const raw = {
      WorkReport: state.get(WorkReports.key(anchor))!,
      Identity: state.get(Identities.key(account(1)))!,
      PKInfo: state.get(PubKeys.key(anchor))!,
      Group: state.get(Groups.key(account(9)))!,
    }
    const expected = {
      WorkReport: { report_slot: 600, spower: 2 ** 40, free: 123, reported_files_size: 77, reported_srd_root: '0x0102', reported_files_root: '0x03' },
      Identity: { anchor: u8aToHex(anchor), punishment_deadline: 4800, group: crust.createType('AccountId', account(9)).toString() },
      PKInfo: { code: '0x0808', anchor: u8aToHex(anchor) },
      Group: {
        members: [account(2), account(3)].map((a) => crust.createType('AccountId', a).toString()),
        allowlist: [crust.createType('AccountId', account(4)).toString()],
      },
    }
    for (const [name, bytes] of Object.entries(raw)) {
      const viaCrust = crust.createType(name, bytes)
      assert.deepEqual(viaCrust.toJSON(), (expected as Record<string, unknown>)[name], name)
      assert.equal(u8aToHex(viaCrust.toU8a()), u8aToHex(bytes), name)
    }
    // The metadata's own types give the same values (what `api.query.swork.*` returns).
    const valueType = (item: string) => {
      const pallet = runtime.registry.metadata.pallets.find((p) => p.name.eq('Swork'))!
      const entry = pallet.storage.unwrap().items.find((i) => i.name.eq(item))!
      return runtime.registry.createLookupType(entry.type.asMap.value)
    }
    for (const [item, name] of [
      ['WorkReports', 'WorkReport'],
      ['Identities', 'Identity'],
      ['PubKeys', 'PKInfo'],
      ['Groups', 'Group'],
    ] as const) {
      const viaMetadata = runtime.registry.createType(valueType(item), raw[name])
      const crustJson = crust.createType(name, raw[name]).toJSON() as Record<string, unknown>
      const camel = Object.fromEntries(Object.entries(crustJson).map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]))
      assert.deepEqual(viaMetadata.toJSON(), camel, item)
      assert.equal(u8aToHex(viaMetadata.toU8a()), u8aToHex(raw[name]), item)
    }
  })

  it('property: BTreeSet<AccountId> encodes sorted without duplicates', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 8 }), (members) => {
        const decoded = accountSet.codec.dec(accountSet.codec.enc(members))
        const unique = [...new Set(members.map((m) => u8aToHex(m)))].sort()
        assert.deepEqual(
          decoded.map((m) => u8aToHex(m)),
          unique,
        )
      }),
    )
  })
})
