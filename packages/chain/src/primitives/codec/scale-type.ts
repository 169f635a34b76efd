/**
 * SCALE types that know both how to encode/decode a value (through `scale-ts` codecs) and how to
 * describe themselves in the runtime metadata. Pallets declare their calls, events and storage with
 * these, so the metadata clients read and the bytes the runtime writes come from one declaration.
 */
import * as scale from 'scale-ts'
import type { Codec } from 'scale-ts'
import { joinBytes } from '../hashing.js'
import { encodeCompactLength } from './compact-length.js'
import type { FieldDef, LookupBuilder, Registrable, TypeParam } from './lookup.js'

export interface ScaleType<T> extends Registrable {
  readonly codec: Codec<T>
  /** The Rust type name shown in metadata fields (for example `T::Balance`). */
  readonly typeName?: string
}

// biome-ignore lint/suspicious/noExplicitAny: codecs are invariant; containers hold types of any value
export type AnyType = ScaleType<any>

/** The TypeScript value type of a {@link ScaleType}. */
export type Infer<S> = S extends ScaleType<infer T> ? T : never

function make<T>(codec: Codec<T>, register: (lookup: LookupBuilder) => number, typeName?: string): ScaleType<T> {
  return typeName === undefined ? { codec, register } : { codec, register, typeName }
}

/** The same type shown with another Rust type name; registers once. */
export function named<T>(type: ScaleType<T>, typeName: string): ScaleType<T> {
  return { codec: type.codec, typeName, register: (lookup) => lookup.idOf(type) }
}

const primitive = <T>(codec: Codec<T>, name: 'U8' | 'U16' | 'U32' | 'U64' | 'U128' | 'Bool' | 'Str', typeName: string) =>
  make(codec, (lookup) => lookup.add({ primitive: name }), typeName)

export const u8 = primitive(scale.u8, 'U8', 'u8')
export const u16 = primitive(scale.u16, 'U16', 'u16')
export const u32 = primitive(scale.u32, 'U32', 'u32')
export const u64 = primitive(scale.u64, 'U64', 'u64')
export const u128 = primitive(scale.u128, 'U128', 'u128')
export const bool = primitive(scale.bool, 'Bool', 'bool')
export const str = primitive(scale.str, 'Str', 'String')

/** `()`: the empty tuple. */
export const unit: ScaleType<undefined> = make(scale._void, (lookup) => lookup.add({ tuple: [] }), '()')

const compactOf = <T>(inner: AnyType, codec: Codec<T>, typeName: string) =>
  make(codec, (lookup) => lookup.add({ compact: { type: lookup.idOf(inner) } }), typeName)

export const compactU32: ScaleType<number> = compactOf(
  u32,
  scale.enhanceCodec(
    scale.compact,
    (v: number) => v,
    (v) => Number(v),
  ),
  'Compact<u32>',
)
/**
 * SCALE compact encoding of a bigint, byte for byte what `scale.compact.enc` gives: scale-ts builds
 * each big-integer mode value from per-chunk Uint8Arrays and DataViews, which made encoding
 * balances (every `Compact<Balance>` field: exposures, ledgers, guarantees) most of the era
 * election's time.
 */
export function compactBigEnc(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError(`Wrong compact input (${value})`)
  if (value < 0x4000_0000n) return scale.compact.enc(Number(value))
  const words: number[] = []
  for (let v = value; v > 0n; v >>= 32n) words.push(Number(v & 0xffff_ffffn))
  const top = words[words.length - 1]!
  const topBytes = top >= 0x100_0000 ? 4 : top >= 0x1_0000 ? 3 : top >= 0x100 ? 2 : 1
  const length = (words.length - 1) * 4 + topBytes
  const out = new Uint8Array(1 + length)
  out[0] = ((length - 4) << 2) | 3
  for (let i = 0, at = 1; at <= length; i++) {
    const w = words[i]!
    for (let b = 0; b < 4 && at <= length; b++, at++) out[at] = (w >>> (8 * b)) & 0xff
  }
  return out
}

/** scale-ts' decoders share one input whose read position is `i` (not in its public types). */
type DecoderInput = Uint8Array & { i: number }

/** Decodes a SCALE compact integer as a bigint, as `BigInt(scale.compact.dec(bytes))` (faster in big-integer mode). */
const compactBigDec = scale.createDecoder((input): bigint => {
  const bytes = input as DecoderInput
  const first = bytes[bytes.i]
  if (first === undefined || (first & 3) !== 3) return BigInt(scale.compact.dec(bytes))
  const start = bytes.i + 1
  const end = start + (first >>> 2) + 4
  if (end > bytes.length) throw new RangeError('compact integer runs past the end of the input')
  let value = 0n
  for (let word = start + Math.floor((end - start - 1) / 4) * 4; word >= start; word -= 4) {
    let w = 0
    for (let at = Math.min(word + 3, end - 1); at >= word; at--) w = w * 256 + bytes[at]!
    value = (value << 32n) | BigInt(w)
  }
  bytes.i = end
  return value
})

const compactBig = scale.createCodec(compactBigEnc, compactBigDec)

export const compactU64: ScaleType<bigint> = compactOf(u64, compactBig, 'Compact<u64>')
export const compactU128: ScaleType<bigint> = compactOf(u128, compactBig, 'Compact<u128>')
export const compactUnit: ScaleType<undefined> = compactOf(unit, scale._void, 'Compact<()>')

/**
 * `Vec<u8>`'s encoding by hand: scale-ts' builds a DataView for the length and merges two arrays,
 * and every byte-keyed storage access (a CID, an anchor) encodes its key this way.
 */
function bytesEnc(value: Uint8Array): Uint8Array {
  const length = encodeCompactLength(value.length)
  const out = new Uint8Array(length.length + value.length)
  out.set(length, 0)
  out.set(value, length.length)
  return out
}

/** `Vec<u8>`. */
export const bytes: ScaleType<Uint8Array> = make(
  scale.createCodec(bytesEnc, scale.Bytes().dec),
  (lookup) => lookup.add({ sequence: { type: lookup.idOf(u8) } }),
  'Vec<u8>',
)

const fixedBytesCache = new Map<number, ScaleType<Uint8Array>>()
/** `[u8; len]`. */
export function fixedBytes(len: number): ScaleType<Uint8Array> {
  let t = fixedBytesCache.get(len)
  if (t === undefined) {
    t = make(scale.Bytes(len), (lookup) => lookup.add({ array: { len, type: lookup.idOf(u8) } }), `[u8; ${len}]`)
    fixedBytesCache.set(len, t)
  }
  return t
}

/** A Rust newtype around `[u8; N]` at a well-known path (AccountId32, H256). */
function bytesNewtype(len: number, path: string[], typeName: string): ScaleType<Uint8Array> {
  return make(scale.Bytes(len), (lookup) => lookup.add({ composite: { fields: [field(null, fixedBytes(len), lookup)] } }, path), typeName)
}

export const accountId32 = bytesNewtype(32, ['sp_core', 'crypto', 'AccountId32'], 'AccountId32')
export const h256 = bytesNewtype(32, ['primitive_types', 'H256'], 'H256')

function field(name: string | null, type: AnyType, lookup: LookupBuilder): FieldDef {
  return { name, type: lookup.idOf(type), typeName: type.typeName ?? null, docs: [] }
}

function fieldsOf(lookup: LookupBuilder, entries: [string | null, AnyType][]): FieldDef[] {
  return entries.map(([name, type]) => field(name, type, lookup))
}

/** `Vec<T>`. */
export function vec<T>(inner: ScaleType<T>, typeName?: string): ScaleType<T[]> {
  return make(scale.Vector(inner.codec), (lookup) => lookup.add({ sequence: { type: lookup.idOf(inner) } }), typeName ?? `Vec<${inner.typeName ?? 'T'}>`)
}

/** `Option<T>`: `undefined` is `None`. */
export function option<T>(inner: ScaleType<T>, typeName?: string): ScaleType<T | undefined> {
  return make(
    scale.Option(inner.codec),
    (lookup) => {
      const t = lookup.idOf(inner)
      return lookup.add(
        {
          variant: {
            variants: [
              { name: 'None', fields: [], index: 0, docs: [] },
              { name: 'Some', fields: [{ name: null, type: t, typeName: null, docs: [] }], index: 1, docs: [] },
            ],
          },
        },
        ['Option'],
        [{ name: 'T', type: t }],
      )
    },
    typeName ?? `Option<${inner.typeName ?? 'T'}>`,
  )
}

type TupleValues<T extends readonly AnyType[]> = { -readonly [K in keyof T]: Infer<T[K]> }

/** `(A, B, ...)`. */
export function tuple<const T extends readonly AnyType[]>(...inner: T): ScaleType<TupleValues<T>> {
  // biome-ignore lint/suspicious/noExplicitAny: scale-ts' Tuple typing needs a literal tuple
  const codec = (scale.Tuple as any)(...inner.map((t) => t.codec)) as Codec<TupleValues<T>>
  return make(codec, (lookup) => lookup.add({ tuple: inner.map((t) => lookup.idOf(t)) }))
}

export type Fields = Record<string, AnyType>

/** Joins encoded parts into one array. */
/**
 * The same bytes as scale-ts' `Struct` (the fields in order), without its intermediate tuple and
 * `Object.fromEntries` per value: decoding structs inside long vectors (guarantees, exposures)
 * was most of the cost of reading them.
 */
function structCodec(fields: Fields): Codec<unknown> {
  const entries = Object.entries(fields).map(([key, t]) => ({ key, enc: t.codec.enc, dec: t.codec.dec }))
  const enc = (value: unknown) => {
    const record = value as Record<string, unknown>
    return joinBytes(entries.map((f) => f.enc(record[f.key])))
  }
  const dec = scale.createDecoder((bytes): unknown => {
    const out: Record<string, unknown> = {}
    for (const f of entries) out[f.key] = f.dec(bytes)
    return out
  })
  return scale.createCodec(enc, dec)
}
export type FieldValues<F extends Fields> = { [K in keyof F]: Infer<F[K]> }

export interface CompositeOptions {
  params?: TypeParam[] | ((lookup: LookupBuilder) => TypeParam[])
  typeName?: string
  docs?: string[]
}

function paramsOf(lookup: LookupBuilder, params: CompositeOptions['params']): TypeParam[] {
  if (params === undefined) return []
  return typeof params === 'function' ? params(lookup) : params
}

/** A Rust struct with named fields, at `path` (for example `['frame_system', 'AccountInfo']`). */
export function struct<F extends Fields>(path: string[], fields: F, options: CompositeOptions = {}): ScaleType<FieldValues<F>> {
  const codec = structCodec(fields) as Codec<FieldValues<F>>
  return make(
    codec,
    (lookup) => lookup.add({ composite: { fields: fieldsOf(lookup, Object.entries(fields)) } }, path, paramsOf(lookup, options.params), options.docs ?? []),
    options.typeName ?? path[path.length - 1],
  )
}

/** A Rust tuple struct with one field (`struct Foo(Inner)`), encoded as the inner value. */
export function newtype<T>(path: string[], inner: ScaleType<T>, options: CompositeOptions = {}): ScaleType<T> {
  return make(
    inner.codec,
    (lookup) => lookup.add({ composite: { fields: [field(null, inner, lookup)] } }, path, paramsOf(lookup, options.params)),
    options.typeName ?? path[path.length - 1],
  )
}

/** One variant of an enum: no fields, one unnamed field, or named fields. */
export type VariantSpec =
  | { index: number; docs?: string[] }
  | { index: number; value: AnyType; docs?: string[] }
  | { index: number; fields: Fields; docs?: string[] }

type VariantValue<V extends VariantSpec> = V extends { value: ScaleType<infer T> }
  ? T
  : V extends { fields: infer F extends Fields }
    ? FieldValues<F>
    : undefined

/** The value of an enum: `{ tag, value }` as scale-ts represents it. */
export type EnumValue<V extends Record<string, VariantSpec>> = { [K in keyof V & string]: { tag: K; value: VariantValue<V[K]> } }[keyof V & string]

export function variantCodec(spec: VariantSpec): Codec<unknown> {
  if ('value' in spec) return spec.value.codec
  if ('fields' in spec) return structCodec(spec.fields)
  return scale._void as Codec<unknown>
}

export function variantFields(lookup: LookupBuilder, spec: VariantSpec): FieldDef[] {
  if ('value' in spec) return [field(null, spec.value, lookup)]
  if ('fields' in spec) return fieldsOf(lookup, Object.entries(spec.fields))
  return []
}

/** A Rust enum at `path`, variants keyed by name with their explicit codec index. */
export function enumeration<V extends Record<string, VariantSpec>>(
  path: string[],
  variants: V,
  options: CompositeOptions & { recursive?: boolean } = {},
): ScaleType<EnumValue<V>> {
  const names = Object.keys(variants)
  const inner = Object.fromEntries(names.map((n) => [n, variantCodec(variants[n]!)]))
  // biome-ignore lint/suspicious/noExplicitAny: scale-ts types the index list as a fixed-length tuple
  const codec = (scale.Enum as any)(
    inner,
    names.map((n) => variants[n]!.index),
  ) as Codec<EnumValue<V>>
  const self: ScaleType<EnumValue<V>> = make(
    codec,
    (lookup) => {
      // A recursive enum (a call holding a call) takes its id before its variants refer to it.
      const id = options.recursive === true ? lookup.reserve(self) : -1
      const def = {
        variant: {
          variants: names.map((name) => ({
            name,
            index: variants[name]!.index,
            fields: variantFields(lookup, variants[name]!),
            docs: variants[name]!.docs ?? [],
          })),
        },
      }
      const params = paramsOf(lookup, options.params)
      return id >= 0 ? lookup.fill(id, def, path, params, options.docs ?? []) : lookup.add(def, path, params, options.docs ?? [])
    },
    options.typeName ?? path[path.length - 1],
  )
  return self
}

/** `BTreeMap<K, V>`, as entries sorted by encoded key. */
export function btreeMap<K, V>(key: ScaleType<K>, value: ScaleType<V>, typeName?: string): ScaleType<Array<[K, V]>> {
  const entry = tuple(key, value)
  const inner = vec(entry)
  const codec = scale.enhanceCodec(
    inner.codec,
    (entries: Array<[K, V]>) => sortByEncodedKey(entries, key.codec),
    (entries) => entries as Array<[K, V]>,
  )
  return make(
    codec,
    (lookup) =>
      lookup.add(
        { composite: { fields: [field(null, inner, lookup)] } },
        ['BTreeMap'],
        [
          { name: 'K', type: lookup.idOf(key) },
          { name: 'V', type: lookup.idOf(value) },
        ],
      ),
    typeName ?? 'BTreeMap',
  )
}

function sortByEncodedKey<K, V>(entries: Array<[K, V]>, key: Codec<K>): Array<[K, V]> {
  return entries
    .map((e) => ({ e, k: Buffer.from(key.enc(e[0])) }))
    .sort((a, b) => Buffer.compare(a.k, b.k))
    .map(({ e }) => e)
}

/** A type that only describes itself (its values are encoded elsewhere, by hand). */
export function describeOnly<T>(register: (lookup: LookupBuilder) => number, typeName?: string): ScaleType<T> {
  const fail = () => {
    throw new Error('describe-only type has no codec')
  }
  return make(scale.createCodec(fail, fail) as unknown as Codec<T>, register, typeName)
}

/** A type whose definition is only known later (recursion: a call that holds a call). */
export function lazy<T>(resolve: () => ScaleType<T>, typeName?: string): ScaleType<T> {
  const codec = scale.createCodec<T>(
    (value) => resolve().codec.enc(value),
    scale.createDecoder((bytes) => resolve().codec.dec(bytes)),
  )
  return make(codec, (lookup) => lookup.idOf(resolve()), typeName)
}
