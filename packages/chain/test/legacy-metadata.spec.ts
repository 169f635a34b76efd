/**
 * Metadata V12 and V13 for @polkadot/api 4.x clients (issue 17, "Old clients"): generated from the
 * pallet declarations, they decode with the old @polkadot/types, list every pallet, call, event,
 * error, storage item and constant at its V14 index, and every type they name resolves, in the old
 * registry with Crust's types bundle, to the encoding of the V14 type it stands for.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Metadata, TypeRegistry } from '@polkadot/types'
import type { PortableType } from '../src/primitives/codec/lookup.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { legacyMetadataJson, type MetadataV14Json } from '../src/runtime/legacy-metadata.js'
import { Runtime } from '../src/runtime/runtime.js'
import { loadOldTypes, type OldRegistry, type OldTypeDef, type OldTypes, oldRegistryWithMetadata } from './fixtures/old-polkadot.js'

/**
 * An encoding's shape, names left out: what bytes a type reads and writes. Structs are tuples of
 * their fields, one-field wrappers are their field, `Option`, `Result` and enums are variants by
 * index, `BTreeMap`/`BTreeSet` are sequences. The runtime's call and event enums, defined by the
 * metadata itself in old clients, are leaves.
 */
type Shape =
  | { prim: string }
  | { compact: Shape }
  | { seq: Shape }
  | { arr: number; of: Shape }
  | { tuple: Shape[] }
  | { variants: Array<[number, Shape]> }
  | { leaf: 'Call' | 'Event' | 'Era' | 'IdentityData' | 'MultiAddress' | 'DispatchError' }

const UNIT: Shape = { tuple: [] }

function tupleShape(items: Shape[]): Shape {
  return items.length === 1 ? items[0]! : { tuple: items }
}

/** A fieldless enum encodes as its index, a `u8`. */
function variantsShape(variants: Array<[number, Shape]>): Shape {
  if (variants.every(([i, v]) => i < 256 && JSON.stringify(v) === JSON.stringify(UNIT))) return { prim: 'u8' }
  return { variants }
}

function option(inner: Shape): Shape {
  return {
    variants: [
      [0, UNIT],
      [1, inner],
    ],
  }
}

/**
 * Leaves: types whose legacy classes encode by hand (Era, identity Data) or come from the metadata
 * (Call, Event), and MultiAddress: its `Index` variant holds `Compact<()>` here (no indices pallet)
 * and `Compact<u32>` in 4.x; clients send `Id` (an SS58 address), and only the name `MultiAddress`
 * gets them to take an address for it.
 */
const V14_LEAVES: Record<string, Shape> = {
  'sp_runtime::multiaddress::MultiAddress': { leaf: 'MultiAddress' },
  // The one known difference, explained at LEGACY_TYPE_NAMES: 4.x's Module error is one byte.
  'sp_runtime::DispatchError': { leaf: 'DispatchError' },
  'crust_runtime::RuntimeCall': { leaf: 'Call' },
  'crust_runtime::RuntimeEvent': { leaf: 'Event' },
  'sp_runtime::generic::era::Era': { leaf: 'Era' },
  'pallet_identity::types::Data': { leaf: 'IdentityData' },
}
const OLD_LEAVES: Record<string, Shape> = {
  MultiAddress: { leaf: 'MultiAddress' },
  DispatchError: { leaf: 'DispatchError' },
  Call: { leaf: 'Call' },
  Event: { leaf: 'Event' },
  ExtrinsicEra: { leaf: 'Era' },
  Data: { leaf: 'IdentityData' },
}

function v14Shape(types: PortableType[], id: number): Shape {
  const t = types[id]!
  const leaf = V14_LEAVES[t.type.path.join('::')]
  if (leaf !== undefined) return leaf
  const def = t.type.def
  if ('primitive' in def) return { prim: def.primitive === 'Str' ? 'str' : def.primitive.toLowerCase() }
  if ('compact' in def) return { compact: v14Shape(types, def.compact.type) }
  if ('sequence' in def) return { seq: v14Shape(types, def.sequence.type) }
  if ('array' in def) return { arr: def.array.len, of: v14Shape(types, def.array.type) }
  if ('tuple' in def) return tupleShape(def.tuple.map((x) => v14Shape(types, x)))
  if ('composite' in def) return tupleShape(def.composite.fields.map((f) => v14Shape(types, f.type)))
  return variantsShape(
    def.variant.variants.map((v): [number, Shape] => [v.index, tupleShape(v.fields.map((f) => v14Shape(types, f.type)))]).sort((a, b) => a[0] - b[0]),
  )
}

/** The shape the old registry gives type `name`, following its definitions down to primitives. */
function oldShape(old: OldTypes, registry: OldRegistry, name: string, depth = 0, inMetadata = true): Shape {
  if (depth > 40) throw new Error(`type ${name} nests too deeply`)
  return oldDefShape(old, registry, old.getTypeDef(name), depth + 1, inMetadata)
}

const INTS = ['u8', 'u16', 'u32', 'u64', 'u128', 'i8', 'i16', 'i32', 'i64', 'i128', 'bool']

/**
 * `inMetadata`: the type is written in the metadata, where old clients take only names and
 * containers of names (their `extractTypes` throws on an inline struct or enum), not in a registry
 * definition.
 */
function oldDefShape(old: OldTypes, registry: OldRegistry, def: OldTypeDef, depth: number, inMetadata: boolean): Shape {
  const I = old.TypeDefInfo
  const subs = (): OldTypeDef[] => (Array.isArray(def.sub) ? def.sub : def.sub === undefined ? [] : [def.sub])
  const sub = (i = 0) => oldDefShape(old, registry, subs()[i]!, depth + 1, inMetadata)
  if (inMetadata && (def.info === I.Struct || def.info === I.Enum || def.info === I.Set)) {
    throw new Error(`an inline definition, which old clients refuse in metadata: ${def.type}`)
  }
  switch (def.info) {
    case I.Plain: {
      const leaf = OLD_LEAVES[def.type]
      if (leaf !== undefined) return leaf
      if (INTS.includes(def.type)) return { prim: def.type }
      if (def.type === 'Text') return { prim: 'str' }
      if (def.type === 'Bytes') return { seq: { prim: 'u8' } }
      if (def.type === 'Null') return UNIT
      if (def.type === 'AccountId' || def.type === 'H256' || def.type === 'Hash') return { arr: 32, of: { prim: 'u8' } }
      if (def.type === 'H160') return { arr: 20, of: { prim: 'u8' } }
      // A named type: its registered definition, else its class (built-in codecs such as UInt).
      const definition = registry.getDefinition(def.type)
      if (definition !== undefined) return oldShape(old, registry, definition, depth, false)
      const Class = registry.createClass(def.type)
      const instance = new Class(registry) as { toRawType(): string; bitLength?: () => number }
      const raw = instance.toRawType()
      if (raw !== def.type) return oldShape(old, registry, raw, depth, false)
      if (typeof instance.bitLength === 'function') return { prim: `u${instance.bitLength()}` }
      throw new Error(`no definition for ${def.type}`)
    }
    case I.Null:
      return UNIT
    case I.Compact:
      return { compact: sub() }
    case I.Vec:
    case I.BTreeSet:
      return { seq: sub() }
    case I.VecFixed:
      return { arr: def.length!, of: sub() }
    case I.Tuple:
      return tupleShape(subs().map((_, i) => sub(i)))
    case I.Struct:
      return tupleShape(subs().map((_, i) => sub(i)))
    case I.Option:
      return option(sub())
    case I.Result:
      return {
        variants: [
          [0, sub(0)],
          [1, sub(1)],
        ],
      }
    case I.BTreeMap:
      return { seq: { tuple: [sub(0), sub(1)] } }
    case I.Enum:
      // Placeholders for unused indices are never encoded.
      return variantsShape(
        subs()
          .map((s, i): [number, OldTypeDef] => [s.index ?? i, s])
          .filter(([, s]) => s.name?.startsWith('__unused') !== true)
          .map(([i, s]): [number, Shape] => [i, oldDefShape(old, registry, s, depth + 1, inMetadata)]),
      )
    case I.Set:
      return { prim: `u${def.length}` }
    case I.Int:
    case I.UInt:
      return { prim: `${def.info === I.Int ? 'i' : 'u'}${def.length}` }
    default:
      throw new Error(`type ${def.type}: unexpected kind ${def.info}`)
  }
}

/**
 * 4.x rebuilds `OriginCaller` from the metadata's module list, one variant per pallet index
 * (System's `SystemOrigin`, `Null` for every other pallet and gap): the same bytes for every origin
 * the runtime has, plus unit variants it never encodes (and refuses to decode). So the V14
 * `OriginCaller` is compared with those unit variants added.
 */
function asOldOriginCaller(v14: MetadataV14Json, id: number, shape: Shape): Shape {
  if (v14.lookup.types[id]!.type.path.join('::') !== 'crust_runtime::OriginCaller' || !('variants' in shape)) return shape
  const last = Math.max(...v14.pallets.map((p) => p.index))
  const variants = new Map(shape.variants)
  for (let i = 0; i <= last; i++) if (!variants.has(i)) variants.set(i, UNIT)
  return { variants: [...variants].sort((a, b) => a[0] - b[0]) }
}

interface NamedUse {
  where: string
  legacy: string
  v14: number
}

interface LegacyModule {
  name: string
  index: number
  storage: { items: Array<{ name: string; type: Record<string, Record<string, unknown> | string> }> } | null
  calls: Array<{ name: string; args: Array<{ name: string; type: string }> }> | null
  events: Array<{ name: string; args: string[] }> | null
  constants: Array<{ name: string; type: string }>
  errors: Array<{ name: string }>
}

/** Every place V12/V13 names a type, with the V14 type id it stands for. */
function namedUses(v14: MetadataV14Json, legacy: LegacyModule[]): NamedUse[] {
  const types = v14.lookup.types
  const variants = (id: number) => {
    const def = types[id]!.type.def
    if (!('variant' in def)) throw new Error(`type ${id} is not an enum`)
    return def.variant.variants
  }
  const uses: NamedUse[] = []
  for (const p of v14.pallets) {
    const m = legacy.find((x) => x.name === p.name)!
    if (p.calls !== null) {
      for (const v of variants(p.calls.type)) {
        v.fields.forEach((f, i) => void uses.push({ where: `${p.name}.${v.name}(${f.name})`, legacy: m.calls![v.index]!.args[i]!.type, v14: f.type }))
      }
    }
    if (p.events !== null) {
      for (const v of variants(p.events.type)) {
        v.fields.forEach((f, i) => void uses.push({ where: `event ${p.name}.${v.name}[${i}]`, legacy: m.events![v.index]!.args[i]!, v14: f.type }))
      }
    }
    p.constants.forEach((c, i) => void uses.push({ where: `constant ${p.name}.${c.name}`, legacy: m.constants[i]!.type, v14: c.type }))
    for (const [i, item] of (p.storage?.items ?? []).entries()) {
      const legacyType = m.storage!.items[i]!.type
      const where = `storage ${p.name}.${item.name}`
      if ('plain' in item.type) {
        uses.push({ where, legacy: legacyType.plain as string, v14: item.type.plain })
        continue
      }
      const { key, value } = item.type.map
      const kind = Object.keys(legacyType)[0]!
      const entry = legacyType[kind] as Record<string, unknown>
      uses.push({ where: `${where} value`, legacy: entry.value as string, v14: value })
      const keyDef = types[key]!.type.def
      const keyIds = kind === 'map' ? [key] : 'tuple' in keyDef ? keyDef.tuple : [key]
      const legacyKeys = kind === 'map' ? [entry.key] : kind === 'doubleMap' ? [entry.key1, entry.key2] : (entry.keyVec as string[])
      keyIds.forEach((id, k) => void uses.push({ where: `${where} key ${k}`, legacy: legacyKeys[k] as string, v14: id }))
    }
  }
  return uses
}

const runtime = new Runtime(defaultRuntimeConfig)
const v14 = (new Metadata(new TypeRegistry(), runtime.metadata).toJSON() as unknown as { metadata: { v14: MetadataV14Json } }).metadata.v14

for (const version of [12, 13] as const) {
  describe(`metadata V${version}`, () => {
    const json = legacyMetadataJson(v14, version) as { metadata: Record<string, { modules: LegacyModule[]; extrinsic: { signedExtensions: string[] } }> }
    const legacy = json.metadata[`v${version}`]!

    it('lists every pallet at its V14 index, with its calls, events and errors at their V14 indices and its storage items and constants', () => {
      const types = v14.lookup.types
      const names = (id: number | undefined) => {
        if (id === undefined) return []
        const def = types[id]!.type.def
        assert.ok('variant' in def)
        return def.variant.variants.map((v) => [v.index, v.name] as const)
      }
      assert.equal(legacy.modules.length, v14.pallets.length)
      for (const p of v14.pallets) {
        const m = legacy.modules.find((x) => x.name === p.name)
        assert.ok(m !== undefined, `pallet ${p.name}`)
        assert.equal(m.index, p.index, `${p.name} index`)
        for (const [index, name] of names(p.calls?.type)) assert.equal(m.calls?.[index]?.name, name, `${p.name} call ${index}`)
        for (const [index, name] of names(p.events?.type)) assert.equal(m.events?.[index]?.name, name, `${p.name} event ${index}`)
        for (const [index, name] of names(p.errors?.type)) assert.equal(m.errors[index]?.name, name, `${p.name} error ${index}`)
        // System also declares the two markers 4.x clients read to pick the AccountInfo layout.
        const markers = p.name === 'System' ? ['UpgradedToU32RefCount', 'UpgradedToTripleRefCount'] : []
        assert.deepEqual(
          m.storage?.items.map((i) => i.name),
          p.storage === null ? undefined : [...p.storage.items.map((i) => i.name), ...markers],
        )
        assert.deepEqual(
          m.constants.map((c) => c.name),
          p.constants.map((c) => c.name),
        )
      }
      assert.deepEqual(
        legacy.extrinsic.signedExtensions,
        v14.extrinsic.signedExtensions.map((e) => e.identifier),
      )
    })

    // @polkadot/types 4.2 reads metadata up to V12.
    for (const release of version === 12 ? (['4.17', '4.2'] as const) : (['4.17'] as const)) {
      it(`decodes with @polkadot/types ${release}, and every type it names has, in that registry with Crust's types bundle, the encoding of its V14 type`, () => {
        const old = loadOldTypes(release)
        const { registry, metadata } = oldRegistryWithMetadata(old, runtime.metadataOf(version), runtime.config.specVersion)
        assert.equal(metadata.version, version)
        // What the old ApiPromise checks as it connects: every type name parses and is known.
        assert.ok(old.getUniqTypes(registry, metadata.asLatest, true).length > 50)
        // The old client reads the modules back as we wrote them.
        const decoded = (metadata.toJSON() as { metadata: Record<string, { modules: Array<{ name: string; index: number }> }> }).metadata[`v${version}`]!
        assert.deepEqual(
          decoded.modules.map((m) => [m.name, m.index]),
          legacy.modules.map((m) => [m.name, m.index]),
        )
        const uses = namedUses(v14, legacy.modules)
        assert.ok(uses.length > 300, `only ${uses.length} named types`)
        const wrong: string[] = []
        for (const use of uses) {
          let got: Shape | string
          try {
            got = oldShape(old, registry, use.legacy)
          } catch (err) {
            got = `unresolved: ${(err as Error).message}`
          }
          const want = asOldOriginCaller(v14, use.v14, v14Shape(v14.lookup.types, use.v14))
          if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${use.where}: ${use.legacy} is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`)
        }
        assert.deepEqual(wrong, [])
      })
    }
  })
}

describe('metadata V14', () => {
  it('is what the runtime served before V12/V13 existed: metadataOf(14) is runtime.metadata', () => {
    assert.equal(runtime.metadataOf(14), runtime.metadata)
  })
})
