/**
 * pallet_identity's types with Substrate's encodings and metadata paths (`pallet_identity::types::*`),
 * so @polkadot/types maps `Data` to its own `Data` class and `BitFlags<IdentityField>` to a set, and
 * api-derive's `accounts.identity` reads `Registration` as it does on Polkadot.
 */
import * as scale from 'scale-ts'
import {
  accountId32,
  enumeration,
  fixedBytes,
  type Infer,
  named,
  option,
  type ScaleType,
  struct,
  tuple,
  u32,
  u64,
  u128,
  vec,
} from '../../primitives/codec/scale-type.js'

export const account = named(accountId32, 'T::AccountId')
export const balance = named(u128, 'BalanceOf<T>')
export const registrarIndex = named(u32, 'RegistrarIndex')

/** The hashes `Data` may hold instead of the bytes, with their leading byte (pallet_identity `Data::encode`). */
const DATA_HASHES = { BlakeTwo256: 34, Sha256: 35, Keccak256: 36, ShaThree256: 37 } as const
type DataHash = keyof typeof DATA_HASHES

/** `Data`: nothing, up to 32 raw bytes, or a 32-byte hash of something longer. */
export type IdentityData = { tag: 'None'; value: undefined } | { tag: 'Raw'; value: Uint8Array } | { tag: DataHash; value: Uint8Array }

/** Thrown by the `Data` and `IdentityFields` decoders; a call carrying such bytes does not decode. */
class IdentityCodecError extends Error {
  override name = 'IdentityCodecError'
}

/**
 * Substrate's hand-written `Data` codec: byte 0 is None, 1..=33 is Raw of (byte − 1) bytes, 34..=37
 * a 32-byte hash; any other leading byte is invalid. Raw data longer than 32 bytes cannot be encoded.
 */
const dataCodec = scale.createCodec<IdentityData>(
  (value) => {
    if (value.tag === 'None') return Uint8Array.of(0)
    if (value.tag === 'Raw') {
      if (value.value.length > 32) throw new IdentityCodecError('identity Data: raw data longer than 32 bytes')
      return Uint8Array.of(value.value.length + 1, ...value.value)
    }
    if (value.value.length !== 32) throw new IdentityCodecError(`identity Data: ${value.tag} needs 32 bytes`)
    return Uint8Array.of(DATA_HASHES[value.tag], ...value.value)
  },
  scale.createDecoder((input) => {
    // scale-ts hands decoders its whole buffer with a cursor `i` (as its Bytes codec reads it).
    const bytes = input as Uint8Array & { i: number }
    const take = (n: number) => {
      if (bytes.i + n > bytes.length) throw new IdentityCodecError('identity Data: not enough bytes')
      const out = new Uint8Array(bytes.buffer.slice(bytes.i, bytes.i + n))
      bytes.i += n
      return out
    }
    const lead = take(1)[0]!
    if (lead === 0) return { tag: 'None', value: undefined }
    if (lead <= 33) return { tag: 'Raw', value: take(lead - 1) }
    const hash = (Object.keys(DATA_HASHES) as DataHash[]).find((k) => DATA_HASHES[k] === lead)
    if (hash === undefined) throw new IdentityCodecError(`identity Data: invalid leading byte ${lead}`)
    return { tag: hash, value: take(32) }
  }),
)

/** `pallet_identity::types::Data`, described as Polkadot's metadata does: None, Raw0..Raw32, four hashes. */
export const data: ScaleType<IdentityData> = {
  codec: dataCodec,
  typeName: 'Data',
  register: (lookup) => {
    const variants = [{ name: 'None', fields: [], index: 0, docs: [] as string[] }]
    for (let n = 0; n <= 32; n++) {
      variants.push({
        name: `Raw${n}`,
        fields: [{ name: null, type: lookup.idOf(fixedBytes(n)), typeName: `[u8; ${n}]`, docs: [] }] as never,
        index: n + 1,
        docs: [],
      })
    }
    for (const [name, index] of Object.entries(DATA_HASHES)) {
      variants.push({ name, fields: [{ name: null, type: lookup.idOf(fixedBytes(32)), typeName: '[u8; 32]', docs: [] }] as never, index, docs: [] })
    }
    return lookup.add({ variant: { variants } }, ['pallet_identity', 'types', 'Data'])
  },
}

/** Raw UTF-8 data (at most 32 bytes), as wallets set a display name. */
export const rawData = (text: string): IdentityData => ({ tag: 'Raw', value: new TextEncoder().encode(text) })
export const NO_DATA: IdentityData = { tag: 'None', value: undefined }

/** The identity fields a registrar may judge; each variant's index is its bit (pallet_identity `IdentityField`). */
export const IDENTITY_FIELDS = { Display: 1, Legal: 2, Web: 4, Riot: 8, Email: 16, PgpFingerprint: 32, Image: 64, Twitter: 128 } as const
const ALL_FIELDS = Object.values(IDENTITY_FIELDS).reduce((a, b) => a | b, 0)

const identityField = enumeration(
  ['pallet_identity', 'types', 'IdentityField'],
  Object.fromEntries(Object.entries(IDENTITY_FIELDS).map(([name, bit]) => [name, { index: bit }])) as Record<keyof typeof IDENTITY_FIELDS, { index: number }>,
)

/** `IdentityFields(BitFlags<IdentityField>)`: a u64 of field bits; unknown bits do not decode (enumflags2 `from_bits`). */
const fieldsCodec = scale.enhanceCodec(
  scale.u64,
  (bits: bigint) => bits,
  (bits) => {
    if ((bits & ~BigInt(ALL_FIELDS)) !== 0n) throw new IdentityCodecError(`identity fields: unknown bits in ${bits}`)
    return bits
  },
)

export const identityFields: ScaleType<bigint> = {
  codec: fieldsCodec,
  typeName: 'IdentityFields',
  register: (lookup) =>
    lookup.add(
      { composite: { fields: [{ name: null, type: lookup.idOf(u64), typeName: 'IdentityField', docs: [] }] } },
      ['pallet_identity', 'types', 'BitFlags'],
      [{ name: 'T', type: lookup.idOf(identityField) }],
    ),
}

/** `Judgement<Balance>`: a registrar's opinion; `FeePaid` is a pending request holding the fee. */
export const judgement = enumeration(
  ['pallet_identity', 'types', 'Judgement'],
  {
    Unknown: { index: 0 },
    FeePaid: { index: 1, value: balance },
    Reasonable: { index: 2 },
    KnownGood: { index: 3 },
    OutOfDate: { index: 4 },
    LowQuality: { index: 5 },
    Erroneous: { index: 6 },
  },
  { params: (lookup) => [{ name: 'Balance', type: lookup.idOf(u128) }] },
)
export type Judgement = Infer<typeof judgement>

/** `Judgement::is_sticky`: a paid request or an Erroneous verdict survives `set_identity`. */
export const isSticky = (j: Judgement) => j.tag === 'FeePaid' || j.tag === 'Erroneous'

export const identityInfo = struct(
  ['pallet_identity', 'types', 'IdentityInfo'],
  {
    additional: named(vec(tuple(data, data)), 'BoundedVec<(Data, Data), FieldLimit>'),
    display: data,
    legal: data,
    web: data,
    riot: data,
    email: data,
    pgp_fingerprint: option(fixedBytes(20), 'Option<[u8; 20]>'),
    image: data,
    twitter: data,
  },
  { params: [{ name: 'FieldLimit', type: null }] },
)
export type IdentityInfo = Infer<typeof identityInfo>

/** An empty `IdentityInfo` with `display` set (what wallets send for a bare name). */
export function infoWithDisplay(display: string, additional: Array<[IdentityData, IdentityData]> = []): IdentityInfo {
  return {
    additional,
    display: rawData(display),
    legal: NO_DATA,
    web: NO_DATA,
    riot: NO_DATA,
    email: NO_DATA,
    pgp_fingerprint: undefined,
    image: NO_DATA,
    twitter: NO_DATA,
  }
}

export const registration = struct(
  ['pallet_identity', 'types', 'Registration'],
  {
    judgements: named(vec(tuple(registrarIndex, judgement)), 'BoundedVec<(RegistrarIndex, Judgement<Balance>), MaxJudgements>'),
    deposit: named(u128, 'Balance'),
    info: named(identityInfo, 'IdentityInfo<MaxAdditionalFields>'),
  },
  {
    params: (lookup) => [
      { name: 'Balance', type: lookup.idOf(u128) },
      { name: 'MaxJudgements', type: null },
      { name: 'MaxAdditionalFields', type: null },
    ],
  },
)
export type Registration = Infer<typeof registration>

export const registrarInfo = struct(
  ['pallet_identity', 'types', 'RegistrarInfo'],
  { account: named(accountId32, 'AccountId'), fee: named(u128, 'Balance'), fields: identityFields },
  {
    params: (lookup) => [
      { name: 'Balance', type: lookup.idOf(u128) },
      { name: 'AccountId', type: lookup.idOf(accountId32) },
    ],
  },
)
export type RegistrarInfo = Infer<typeof registrarInfo>

/** `(T::AccountId, Data)`: a sub-account's super and its name there. */
export const superOf = tuple(account, data)
/** `(BalanceOf<T>, BoundedVec<T::AccountId, MaxSubAccounts>)`: the subs' deposit and the subs. */
export const subsOf = tuple(balance, named(vec(account), 'BoundedVec<T::AccountId, MaxSubAccounts>'))
export const subsList = named(vec(tuple(account, data)), 'Vec<(T::AccountId, Data)>')
