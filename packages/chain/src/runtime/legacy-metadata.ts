/**
 * Metadata V12 and V13 for clients older than metadata V14 (@polkadot/api 4.x: Crust's mainnet UI,
 * `@crustio/crust-pin`), generated from the same declarations as V14.
 *
 * Before V14 a metadata blob carries no type definitions, only type *names*; the client resolves
 * each name in its own registry (@polkadot/types' built-in definitions plus the chain's types
 * bundle, for Crust `@crustio/type-definitions`). So each V14 type is written as a name the client
 * defines with the same encoding ({@link LEGACY_TYPE_NAMES}), or as a container of such names
 * (`Vec<…>`, `Option<…>`, `BTreeMap<…>`, tuples, `Compact<…>`, fixed arrays). Old clients refuse
 * inline struct and enum definitions in metadata (`{"field":"Type"}`), so a struct they know no
 * name for is written as the tuple of its fields (the same bytes), a fieldless enum as `u8` (its
 * index), and an enum with fields as its Rust path, a name they report as unknown.
 *
 * V12 and V13 list calls, events and errors by position (the index is the place in the list), so
 * unused indices below a pallet's highest one are filled with placeholders named `__unused<n>`.
 */
import { Metadata, TypeRegistry } from '@polkadot/types'
import { CrustError } from '@crust-ts/base'
import type { FieldDef, PortableType, TypeDef, VariantDef } from '../primitives/codec/lookup.js'
import type { StorageEntryMetadata } from '../frame/storage.js'

/** The metadata versions a node can serve from `state_getMetadata`. */
export const METADATA_VERSIONS = [12, 13, 14] as const
export type MetadataVersion = (typeof METADATA_VERSIONS)[number]
/** What `state_getMetadata` serves unless told otherwise. */
export const DEFAULT_METADATA_VERSION: MetadataVersion = 14

/** Whether `n` is a metadata version a node serves. */
export function isMetadataVersion(n: number): n is MetadataVersion {
  return (METADATA_VERSIONS as readonly number[]).includes(n)
}

/** The V14 metadata as the runtime builds it (the JSON @polkadot/types encodes). */
export interface MetadataV14Json {
  lookup: { types: PortableType[] }
  pallets: Array<{
    name: string
    index: number
    storage: { prefix: string; items: StorageEntryMetadata[] } | null
    calls: { type: number } | null
    events: { type: number } | null
    constants: Array<{ name: string; type: number; value: string; docs: string[] }>
    errors: { type: number } | null
  }>
  extrinsic: { type: number; version: number; signedExtensions: Array<{ identifier: string }> }
}

/**
 * V14 type paths that @polkadot/types 4.x or @crustio/type-definitions define under a name with
 * the same encoding (`legacy-metadata.spec.ts` checks each against the real registries). A type
 * whose path is missing here is spelled out inline.
 */
export const LEGACY_TYPE_NAMES: Record<string, string> = {
  'sp_core::crypto::AccountId32': 'AccountId',
  'primitive_types::H256': 'Hash',
  'sp_runtime::multiaddress::MultiAddress': 'MultiAddress',
  'sp_runtime::MultiSignature': 'MultiSignature',
  'sp_runtime::generic::era::Era': 'ExtrinsicEra',
  'sp_arithmetic::per_things::Perbill': 'Perbill',
  'sp_arithmetic::per_things::Permill': 'Permill',
  'crust_runtime::RuntimeCall': 'Call',
  'crust_runtime::RuntimeEvent': 'Event',
  'frame_system::EventRecord': 'EventRecord',
  'frame_system::Phase': 'Phase',
  'frame_system::AccountInfo': 'AccountInfoWithTripleRefCount',
  'pallet_balances::types::AccountData': 'AccountData',
  // Not the same encoding, the nearest there is: 4.x's `Module` error is `{ index: u8, error: u8 }`,
  // Substrate's since 2022 (ours) `{ index: u8, error: [u8; 4] }`, so 4.x misreads a module error
  // (the other variants read right); an enum with fields cannot be spelled out in old metadata.
  'sp_runtime::DispatchError': 'DispatchError',
  'frame_support::dispatch::DispatchClass': 'DispatchClass',
  'frame_support::dispatch::Pays': 'Pays',
  'frame_support::traits::tokens::misc::BalanceStatus': 'BalanceStatus',
  'market::FileInfoV2': 'FileInfoV2',
  'market::Replica': 'Replica',
  'pallet_swork::Identity': 'Identity',
  'pallet_swork::PKInfo': 'PKInfo',
  'pallet_swork::Group': 'Group',
  'pallet_swork::WorkReport': 'WorkReport',
  'cstrml_staking::ValidatorPrefs': 'ValidatorPrefs',
  'cstrml_staking::StakingLedger': 'StakingLedger',
  'cstrml_staking::UnlockChunk': 'UnlockChunk',
  'cstrml_staking::Guarantee': 'Guarantee',
  'cstrml_staking::ActiveEraInfo': 'ActiveEraInfo',
  'cstrml_staking::Forcing': 'Forcing',
  'cstrml_staking::EraRewardPoints': 'EraRewardPoints',
  'cstrml_staking::Exposure': 'Exposure',
  'cstrml_staking::IndividualExposure': 'IndividualExposure',
  'cstrml_staking::UnappliedSlash': 'UnappliedSlash',
  'cstrml_staking::slashing::SlashingSpans': 'SlashingSpans',
  'cstrml_staking::slashing::SpanRecord': 'SpanRecord',
  'pallet_multisig::Timepoint': 'Timepoint',
  'pallet_multisig::Multisig': 'Multisig',
  'pallet_identity::types::Data': 'Data',
  'pallet_identity::types::Judgement': 'IdentityJudgement',
  'pallet_identity::types::RegistrarInfo': 'RegistrarInfo',
  // 4.x rebuilds `OriginCaller` from the module list by pallet index: System's `SystemOrigin` (= RawOrigin
  // {Root, Signed(AccountId), None}) at 0, Null for the other pallets: the same bytes for every origin we have.
  'crust_runtime::OriginCaller': 'OriginCaller',
  'frame_support::dispatch::RawOrigin': 'RawOrigin',
}

/**
 * Rust type names (as V14 field `typeName`s carry them) of integers that the old clients know by a
 * name: the name tells the UI how to show the value (a `Balance` in CRU, a `BlockNumber` as a
 * block). Used only when the name's integer is the field's.
 */
const INTEGER_NAMES: Record<string, string> = {
  Balance: 'u128',
  BalanceOf: 'u128',
  BlockNumber: 'u32',
  BlockNumberFor: 'u32',
  Moment: 'u64',
  EraIndex: 'u32',
  SessionIndex: 'u32',
  Index: 'u32',
}

const PRIMITIVES: Record<string, string> = {
  U8: 'u8',
  U16: 'u16',
  U32: 'u32',
  U64: 'u64',
  U128: 'u128',
  I8: 'i8',
  I16: 'i16',
  I32: 'i32',
  I64: 'i64',
  I128: 'i128',
  Bool: 'bool',
  Str: 'Text',
}

/** A V14 feature that V12/V13 cannot express (for example a storage map with three keys in V12). */
export class LegacyMetadataError extends CrustError {
  constructor(message: string) {
    super('METADATA_ERROR_NOT_EXPRESSIBLE', message)
  }
}

/** The last name in a Rust type path without generics or `T::`: `BalanceOf<T>` → `BalanceOf`. */
function baseName(rustType: string | null | undefined): string | undefined {
  if (rustType === null || rustType === undefined) return undefined
  const noGenerics = rustType.replace(/<.*$/s, '')
  return noGenerics.split('::').pop()
}

/** The generic argument of `Compact<…>` in a Rust type name, if it is one. */
function compactInner(rustType: string | null | undefined): string | undefined {
  const m = rustType?.match(/^Compact<(.*)>$/s)
  return m?.[1]
}

class TypeNamer {
  private readonly names = new Map<number, string>()

  constructor(private readonly types: PortableType[]) {}

  /** The legacy type name of V14 type `id`; `rustType` is the field's Rust type name, if any. */
  name(id: number, rustType?: string | null): string {
    const t = this.types[id]
    if (t === undefined) throw new LegacyMetadataError(`type ${id} is not in the lookup`)
    const def = t.type.def
    if ('primitive' in def) {
      const prim = PRIMITIVES[def.primitive]!
      const alias = baseName(rustType)
      return alias !== undefined && INTEGER_NAMES[alias] === prim
        ? alias === 'BalanceOf'
          ? 'Balance'
          : alias === 'BlockNumberFor'
            ? 'BlockNumber'
            : alias
        : prim
    }
    if ('compact' in def) return `Compact<${this.name(def.compact.type, compactInner(rustType))}>`
    const known = this.names.get(id)
    if (known !== undefined) return known
    const named = this.describe(t, def)
    this.names.set(id, named)
    return named
  }

  private describe(t: PortableType, def: TypeDef): string {
    const path = t.type.path.join('::')
    const legacy = LEGACY_TYPE_NAMES[path]
    if (legacy !== undefined) return legacy
    const param = (name: string) => {
      const p = t.type.params.find((x) => x.name === name)
      if (p?.type === null || p === undefined) throw new LegacyMetadataError(`${path} has no type parameter ${name}`)
      return this.name(p.type)
    }
    if ('sequence' in def) {
      const inner = this.types[def.sequence.type]!.type.def
      return 'primitive' in inner && inner.primitive === 'U8' ? 'Bytes' : `Vec<${this.name(def.sequence.type)}>`
    }
    if ('array' in def) return `[${this.name(def.array.type)};${def.array.len}]`
    if ('tuple' in def) return def.tuple.length === 0 ? 'Null' : `(${def.tuple.map((x) => this.name(x)).join(',')})`
    if (path === 'Option') return `Option<${param('T')}>`
    if (path === 'Result') return `Result<${param('T')},${param('E')}>`
    if (path === 'BTreeMap') return `BTreeMap<${param('K')},${param('V')}>`
    if (path === 'BTreeSet') return `BTreeSet<${param('T')}>`
    if ('composite' in def) return this.fieldsType(def.composite.fields)
    if ('variant' in def) return this.enumType(t.type.path, def.variant.variants)
    throw new LegacyMetadataError(`type ${t.id} has no legacy form`)
  }

  /**
   * Fields as a legacy type: none `Null`, one its own type, several a tuple (a struct encodes as
   * the tuple of its fields; old clients refuse inline struct definitions in metadata).
   */
  private fieldsType(fields: FieldDef[]): string {
    if (fields.length === 0) return 'Null'
    if (fields.length === 1) return this.name(fields[0]!.type, fields[0]!.typeName)
    return `(${fields.map((f) => this.name(f.type, f.typeName)).join(',')})`
  }

  /**
   * An enum the clients know no name for: a fieldless one encodes as its index, a `u8`; one with
   * fields cannot be written in old metadata and keeps its Rust name, which old clients report as
   * unknown (they decode everything else).
   */
  private enumType(path: string[], variants: VariantDef[]): string {
    if (variants.every((v) => v.fields.length === 0) && variants.every((v) => v.index < 256)) return 'u8'
    return path.length === 0 ? 'UnknownEnum' : path.join('')
  }

  variants(id: number): VariantDef[] {
    const def = this.types[id]!.type.def
    if (!('variant' in def)) throw new LegacyMetadataError(`type ${id} is not an enum`)
    return def.variant.variants
  }

  tupleItems(id: number): number[] {
    const def = this.types[id]!.type.def
    return 'tuple' in def ? def.tuple : [id]
  }
}

/** Variants listed by position, placeholders filling unused indices. */
function positional<T>(variants: VariantDef[], make: (v: VariantDef) => T, placeholder: (index: number) => T): T[] {
  const byIndex = new Map(variants.map((v) => [v.index, v]))
  const last = Math.max(-1, ...variants.map((v) => v.index))
  return Array.from({ length: last + 1 }, (_, i) => {
    const v = byIndex.get(i)
    return v === undefined ? placeholder(i) : make(v)
  })
}

function storageType(namer: TypeNamer, entry: StorageEntryMetadata, version: 12 | 13, where: string): unknown {
  if ('plain' in entry.type) return { plain: namer.name(entry.type.plain) }
  const { hashers, key, value } = entry.type.map
  const valueName = namer.name(value)
  if (hashers.length === 1) return { map: { hasher: hashers[0], key: namer.name(key), value: valueName, linked: false } }
  const keys = namer.tupleItems(key)
  if (keys.length !== hashers.length) throw new LegacyMetadataError(`${where}: ${hashers.length} hashers for ${keys.length} keys`)
  if (hashers.length === 2) {
    return { doubleMap: { hasher: hashers[0], key1: namer.name(keys[0]!), key2: namer.name(keys[1]!), value: valueName, key2Hasher: hashers[1] } }
  }
  if (version === 12) throw new LegacyMetadataError(`${where}: a map with ${hashers.length} keys needs metadata V13`)
  return { nMap: { keyVec: keys.map((k) => namer.name(k)), hashers, value: valueName } }
}

/**
 * Storage items old clients probe to pick their `AccountInfo` layout: @polkadot/api 4.x reads
 * `System.UpgradedToTripleRefCount` (and the U32 one) as it connects and, finding neither, decodes
 * accounts with one-byte reference counts. Substrate's `frame_system` sets both at genesis; here
 * they are declared only in V12/V13, with `true` as their default (the node stores neither).
 */
const REF_COUNT_MARKERS = ['UpgradedToU32RefCount', 'UpgradedToTripleRefCount'].map((name) => ({
  name,
  modifier: 'Default',
  type: { plain: 'bool' },
  fallback: '0x01',
  docs: ['Always true: accounts have u32 consumer, provider and sufficient counts.'],
}))

/** The V12 or V13 metadata JSON for the V14 metadata `v14`. */
export function legacyMetadataJson(v14: MetadataV14Json, version: 12 | 13): unknown {
  const namer = new TypeNamer(v14.lookup.types)
  const modules = v14.pallets.map((p) => ({
    name: p.name,
    index: p.index,
    storage:
      p.storage === null
        ? null
        : {
            prefix: p.storage.prefix,
            items: [
              ...p.storage.items.map((item) => ({
                name: item.name,
                modifier: item.modifier,
                type: storageType(namer, item, version, `${p.name}.${item.name}`),
                fallback: item.fallback,
                docs: item.docs,
              })),
              ...(p.name === 'System' ? REF_COUNT_MARKERS : []),
            ],
          },
    calls:
      p.calls === null
        ? null
        : positional(
            namer.variants(p.calls.type),
            (v) => ({ name: v.name, args: v.fields.map((f) => ({ name: f.name ?? '', type: namer.name(f.type, f.typeName) })), docs: v.docs }),
            (i) => ({ name: `__unused${i}`, args: [], docs: ['No call has this index.'] }),
          ),
    events:
      p.events === null
        ? null
        : positional(
            namer.variants(p.events.type),
            (v) => ({ name: v.name, args: v.fields.map((f) => namer.name(f.type, f.typeName)), docs: v.docs }),
            (i) => ({ name: `__unused${i}`, args: [], docs: ['No event has this index.'] }),
          ),
    constants: p.constants.map((c) => ({ name: c.name, type: namer.name(c.type), value: c.value, docs: c.docs })),
    errors:
      p.errors === null
        ? []
        : positional(
            namer.variants(p.errors.type),
            (v) => ({ name: v.name, docs: v.docs }),
            (i) => ({ name: `__unused${i}`, docs: ['No error has this index.'] }),
          ),
  }))
  const extrinsic = { version: v14.extrinsic.version, signedExtensions: v14.extrinsic.signedExtensions.map((e) => e.identifier) }
  return { magicNumber: 0x6174656d, metadata: { [`v${version}`]: { modules, extrinsic } } }
}

/** SCALE `RuntimeMetadataPrefixed` of the V12 or V13 metadata for `v14`. */
export function encodeLegacyMetadata(v14: MetadataV14Json, version: 12 | 13): Uint8Array {
  return new Metadata(new TypeRegistry(), legacyMetadataJson(v14, version) as never).toU8a()
}
