/**
 * Storage items as FRAME lays them out: key = twox128(pallet) ++ twox128(item) ++ hasher(SCALE(key)),
 * value = SCALE(value). Each item also describes itself for the metadata.
 */
import { u8aToHex } from '@polkadot/util'
import { decode } from '../primitives/codec/decode.js'
import type { LookupBuilder, Registrable } from '../primitives/codec/lookup.js'
import { type ScaleType, tuple } from '../primitives/codec/scale-type.js'
import { concatBytes, type Hasher, hashKey, hashPrefixLength, twox128 } from '../primitives/hashing.js'

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Synchronous read access to state. */
export interface StorageReader {
  get(key: Uint8Array): Uint8Array | undefined
}

/** Synchronous access to the state a block executes on. */
export interface StorageAccess extends StorageReader {
  set(key: Uint8Array, value: Uint8Array): void
  delete(key: Uint8Array): void
}

/** The metadata v14 entry of a storage item, in @polkadot/types' JSON shape. */
export interface StorageEntryMetadata {
  name: string
  modifier: 'Optional' | 'Default'
  type: { plain: number } | { map: { hashers: Hasher[]; key: number; value: number } }
  fallback: string
  docs: string[]
}

export interface StorageItem {
  readonly pallet: string
  readonly name: string
  /** twox128(pallet) ++ twox128(name). */
  readonly prefix: Uint8Array
  metadata(lookup: LookupBuilder): StorageEntryMetadata
}

interface ItemInit<V> {
  pallet: string
  name: string
  value: ScaleType<V>
  docs?: string[]
}

function prefixOf(pallet: string, name: string): Uint8Array {
  return concatBytes(twox128(pallet), twox128(name))
}

abstract class BaseItem<V> implements StorageItem {
  readonly pallet: string
  readonly name: string
  readonly prefix: Uint8Array
  protected readonly value: ScaleType<V>
  protected readonly docs: string[]

  constructor(
    init: ItemInit<V>,
    protected readonly fallback: V | undefined,
  ) {
    this.pallet = init.pallet
    this.name = init.name
    this.prefix = prefixOf(init.pallet, init.name)
    this.value = init.value
    this.docs = init.docs ?? []
  }

  protected read(state: StorageReader, key: Uint8Array): V | undefined {
    const raw = state.get(key)
    return raw === undefined ? this.fallback : decode(this.value.codec, raw)
  }

  protected write(state: StorageAccess, key: Uint8Array, value: V): void {
    state.set(key, this.value.codec.enc(value))
  }

  protected entry(type: StorageEntryMetadata['type']): StorageEntryMetadata {
    return {
      name: this.name,
      modifier: this.fallback === undefined ? 'Optional' : 'Default',
      type,
      fallback: this.fallback === undefined ? '0x00' : u8aToHex(this.value.codec.enc(this.fallback)),
      docs: this.docs,
    }
  }

  abstract metadata(lookup: LookupBuilder): StorageEntryMetadata
}

/** A single value (`StorageValue`). `Q` is `V` when the item has a default, else `V | undefined`. */
export class StorageValue<V, Q extends V | undefined = V | undefined> extends BaseItem<V> {
  get(state: StorageReader): Q {
    return this.read(state, this.prefix) as Q
  }

  put(state: StorageAccess, value: V): void {
    this.write(state, this.prefix, value)
  }

  kill(state: StorageAccess): void {
    state.delete(this.prefix)
  }

  /** The raw storage key. */
  key(): Uint8Array {
    return this.prefix
  }

  metadata(lookup: LookupBuilder): StorageEntryMetadata {
    return this.entry({ plain: lookup.idOf(this.value) })
  }
}

/** A map (`StorageMap`) with one hashed key. */
export class StorageMap<K, V, Q extends V | undefined = V | undefined> extends BaseItem<V> {
  constructor(init: ItemInit<V> & { hasher: Hasher; key: ScaleType<K> }, fallback: V | undefined) {
    super(init, fallback)
    this.hasher = init.hasher
    this.keyType = init.key
  }

  readonly hasher: Hasher
  readonly keyType: ScaleType<K>

  key(key: K): Uint8Array {
    return concatBytes(this.prefix, hashKey(this.hasher, this.keyType.codec.enc(key)))
  }

  get(state: StorageReader, key: K): Q {
    return this.read(state, this.key(key)) as Q
  }

  /** Reads by a raw storage key (as found by iteration). */
  getRaw(state: StorageReader, storageKey: Uint8Array): Q {
    return this.read(state, storageKey) as Q
  }

  contains(state: StorageReader, key: K): boolean {
    return state.get(this.key(key)) !== undefined
  }

  insert(state: StorageAccess, key: K, value: V): void {
    this.write(state, this.key(key), value)
  }

  remove(state: StorageAccess, key: K): void {
    state.delete(this.key(key))
  }

  /** The key a raw storage key was made from, for hashers that keep it. */
  decodeKey(storageKey: Uint8Array): K {
    const skip = hashPrefixLength(this.hasher)
    if (skip === undefined) throw new Error(`${this.pallet}.${this.name}: hasher ${this.hasher} is not reversible`)
    return decode(this.keyType.codec, storageKey.subarray(this.prefix.length + skip))
  }

  metadata(lookup: LookupBuilder): StorageEntryMetadata {
    return this.entry({
      map: { hashers: [this.hasher], key: lookup.idOf(this.keyType), value: lookup.idOf(this.value) },
    })
  }
}

/**
 * A map with two hashed keys (`StorageDoubleMap`), laid out as FRAME does:
 * key = twox128(pallet) ++ twox128(item) ++ hasher1(SCALE(k1)) ++ hasher2(SCALE(k2)). The metadata
 * entry is a `map` with both hashers and, as key, the tuple type `(K1, K2)`.
 */
export class StorageDoubleMap<K1, K2, V, Q extends V | undefined = V | undefined> extends BaseItem<V> {
  readonly hashers: readonly [Hasher, Hasher]
  readonly key1Type: ScaleType<K1>
  readonly key2Type: ScaleType<K2>
  /** `(K1, K2)`, declared once so the metadata registers it once. */
  private readonly keyTuple: ScaleType<[K1, K2]>

  constructor(init: ItemInit<V> & { hashers: readonly [Hasher, Hasher]; key1: ScaleType<K1>; key2: ScaleType<K2> }, fallback: V | undefined) {
    super(init, fallback)
    this.hashers = init.hashers
    this.key1Type = init.key1
    this.key2Type = init.key2
    this.keyTuple = tuple(init.key1, init.key2) as ScaleType<[K1, K2]>
  }

  /** The last first key's prefix: a block's writes mostly share it (one sWorker's 300 files, one block's queue). */
  private lastPrefix: { k1: K1; bytes: Uint8Array | undefined; prefix: Uint8Array } | undefined

  /** The raw key prefix shared by every entry whose first key is `k1` (read-only: it may be shared). */
  prefixFor(k1: K1): Uint8Array {
    const last = this.lastPrefix
    if (last !== undefined && (k1 instanceof Uint8Array ? last.bytes !== undefined && sameBytes(k1, last.bytes) : typeof k1 !== 'object' && k1 === last.k1)) {
      return last.prefix
    }
    const prefix = concatBytes(this.prefix, hashKey(this.hashers[0], this.key1Type.codec.enc(k1)))
    // A copy of byte keys: the caller may reuse its array for another key.
    if (k1 instanceof Uint8Array) this.lastPrefix = { k1, bytes: k1.slice(), prefix }
    else if (typeof k1 !== 'object') this.lastPrefix = { k1, bytes: undefined, prefix }
    return prefix
  }

  key(k1: K1, k2: K2): Uint8Array {
    return concatBytes(this.prefixFor(k1), hashKey(this.hashers[1], this.key2Type.codec.enc(k2)))
  }

  get(state: StorageReader, k1: K1, k2: K2): Q {
    return this.read(state, this.key(k1, k2)) as Q
  }

  /** Reads by a raw storage key (from {@link key}): a read then write of one entry hashes its keys once. */
  getRaw(state: StorageReader, storageKey: Uint8Array): Q {
    return this.read(state, storageKey) as Q
  }

  /** Writes by a raw storage key (from {@link key}). */
  insertRaw(state: StorageAccess, storageKey: Uint8Array, value: V): void {
    this.write(state, storageKey, value)
  }

  contains(state: StorageReader, k1: K1, k2: K2): boolean {
    return state.get(this.key(k1, k2)) !== undefined
  }

  insert(state: StorageAccess, k1: K1, k2: K2, value: V): void {
    this.write(state, this.key(k1, k2), value)
  }

  remove(state: StorageAccess, k1: K1, k2: K2): void {
    state.delete(this.key(k1, k2))
  }

  /** Both keys a raw storage key was made from; both hashers must keep their key. */
  decodeKeys(storageKey: Uint8Array): [K1, K2] {
    const skip1 = hashPrefixLength(this.hashers[0])
    const skip2 = hashPrefixLength(this.hashers[1])
    if (skip1 === undefined || skip2 === undefined) throw new Error(`${this.pallet}.${this.name}: hashers ${this.hashers.join(', ')} are not reversible`)
    const rest = storageKey.subarray(this.prefix.length + skip1)
    const k1 = decode(this.key1Type.codec, rest)
    const k1Length = this.key1Type.codec.enc(k1).length
    const k2 = decode(this.key2Type.codec, rest.subarray(k1Length + skip2))
    return [k1, k2]
  }

  metadata(lookup: LookupBuilder): StorageEntryMetadata {
    return this.entry({
      map: { hashers: [...this.hashers], key: lookup.idOf(this.keyTuple), value: lookup.idOf(this.value) },
    })
  }
}

/** A value with a default: reads never return `undefined`. */
export function valueWithDefault<V>(init: ItemInit<V> & { default: V }): StorageValue<V, V> {
  return new StorageValue<V, V>(init, init.default)
}

/** An optional value: reads return `undefined` when absent. */
export function optionalValue<V>(init: ItemInit<V>): StorageValue<V, V | undefined> {
  return new StorageValue<V, V | undefined>(init, undefined)
}

export function mapWithDefault<K, V>(init: ItemInit<V> & { hasher: Hasher; key: ScaleType<K>; default: V }): StorageMap<K, V, V> {
  return new StorageMap<K, V, V>(init, init.default)
}

export function optionalMap<K, V>(init: ItemInit<V> & { hasher: Hasher; key: ScaleType<K> }): StorageMap<K, V, V | undefined> {
  return new StorageMap<K, V, V | undefined>(init, undefined)
}

type DoubleMapInit<K1, K2, V> = ItemInit<V> & { hashers: readonly [Hasher, Hasher]; key1: ScaleType<K1>; key2: ScaleType<K2> }

export function doubleMapWithDefault<K1, K2, V>(init: DoubleMapInit<K1, K2, V> & { default: V }): StorageDoubleMap<K1, K2, V, V> {
  return new StorageDoubleMap<K1, K2, V, V>(init, init.default)
}

export function optionalDoubleMap<K1, K2, V>(init: DoubleMapInit<K1, K2, V>): StorageDoubleMap<K1, K2, V, V | undefined> {
  return new StorageDoubleMap<K1, K2, V, V | undefined>(init, undefined)
}

/**
 * A value whose bytes the runtime writes itself (System.Events); only its description and key are
 * declared here.
 */
export class RawStorageValue implements StorageItem {
  readonly prefix: Uint8Array

  constructor(
    readonly pallet: string,
    readonly name: string,
    private readonly type: Registrable,
    private readonly fallbackHex: string,
    private readonly docs: string[] = [],
  ) {
    this.prefix = prefixOf(pallet, name)
  }

  key(): Uint8Array {
    return this.prefix
  }

  metadata(lookup: LookupBuilder): StorageEntryMetadata {
    return { name: this.name, modifier: 'Default', type: { plain: lookup.idOf(this.type) }, fallback: this.fallbackHex, docs: this.docs }
  }
}
