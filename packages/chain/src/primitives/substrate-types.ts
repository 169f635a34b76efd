/** Substrate's own types that every runtime shares, at their well-known metadata paths. */
import {
  accountId32,
  bytes,
  compactU64,
  compactUnit,
  describeOnly,
  enumeration,
  fixedBytes,
  type Infer,
  type ScaleType,
  struct,
  u8,
  u32,
  unit,
} from './codec/scale-type.js'
import type { VariantDef } from './codec/lookup.js'

export const multiAddress = enumeration(
  ['sp_runtime', 'multiaddress', 'MultiAddress'],
  {
    Id: { index: 0, value: accountId32 },
    Index: { index: 1, value: compactUnit },
    Raw: { index: 2, value: bytes },
    Address32: { index: 3, value: fixedBytes(32) },
    Address20: { index: 4, value: fixedBytes(20) },
  },
  {
    params: (lookup) => [
      { name: 'AccountId', type: lookup.idOf(accountId32) },
      { name: 'AccountIndex', type: lookup.idOf(unit) },
    ],
    typeName: 'AccountIdLookupOf<T>',
  },
)
export type MultiAddress = Infer<typeof multiAddress>

export const multiSignature = enumeration(['sp_runtime', 'MultiSignature'], {
  Ed25519: { index: 0, value: fixedBytes(64) },
  Sr25519: { index: 1, value: fixedBytes(64) },
  Ecdsa: { index: 2, value: fixedBytes(65) },
})

/** `Era`: described for the metadata; its bytes are parsed by hand (see `era.ts`). */
export const era = describeOnly<unknown>((lookup) => {
  const u8id = lookup.idOf(u8)
  const variants: VariantDef[] = [{ name: 'Immortal', fields: [], index: 0, docs: [] }]
  for (let i = 1; i < 256; i++) {
    variants.push({ name: `Mortal${i}`, fields: [{ name: null, type: u8id, typeName: null, docs: [] }], index: i, docs: [] })
  }
  return lookup.add({ variant: { variants } }, ['sp_runtime', 'generic', 'era', 'Era'])
}, 'Era')

export const weight = struct(['sp_weights', 'weight_v2', 'Weight'], { ref_time: compactU64, proof_size: compactU64 })
export type Weight = Infer<typeof weight>

/** `frame_support::dispatch::PerDispatchClass<T>`: one value per dispatch class. */
export const perDispatchClass = <T>(inner: ScaleType<T>) =>
  struct(
    ['frame_support', 'dispatch', 'PerDispatchClass'],
    { normal: inner, operational: inner, mandatory: inner },
    { params: (lookup) => [{ name: 'T', type: lookup.idOf(inner) }] },
  )
/** `PerDispatchClass<Weight>` (System.BlockWeight). */
export const perDispatchClassWeight = perDispatchClass(weight)
export type PerDispatchClassWeight = Infer<typeof perDispatchClassWeight>

export const dispatchClass = enumeration(['frame_support', 'dispatch', 'DispatchClass'], {
  Normal: { index: 0 },
  Operational: { index: 1 },
  Mandatory: { index: 2 },
})
export type DispatchClass = Infer<typeof dispatchClass>['tag']

export const pays = enumeration(['frame_support', 'dispatch', 'Pays'], { Yes: { index: 0 }, No: { index: 1 } })

export const dispatchInfo = struct(['frame_support', 'dispatch', 'DispatchInfo'], {
  weight,
  class: dispatchClass,
  pays_fee: pays,
})
export type DispatchInfo = Infer<typeof dispatchInfo>

export const moduleError = struct(['sp_runtime', 'ModuleError'], { index: u8, error: fixedBytes(4) })

export const tokenError = enumeration(['sp_runtime', 'TokenError'], {
  FundsUnavailable: { index: 0 },
  OnlyProvider: { index: 1 },
  BelowMinimum: { index: 2 },
  CannotCreate: { index: 3 },
  UnknownAsset: { index: 4 },
  Frozen: { index: 5 },
  Unsupported: { index: 6 },
  CannotCreateHold: { index: 7 },
  NotExpendable: { index: 8 },
  Blocked: { index: 9 },
})

export const arithmeticError = enumeration(['sp_arithmetic', 'ArithmeticError'], {
  Underflow: { index: 0 },
  Overflow: { index: 1 },
  DivisionByZero: { index: 2 },
})

export const dispatchErrorType = enumeration(['sp_runtime', 'DispatchError'], {
  Other: { index: 0 },
  CannotLookup: { index: 1 },
  BadOrigin: { index: 2 },
  Module: { index: 3, value: moduleError },
  ConsumerRemaining: { index: 4 },
  NoProviders: { index: 5 },
  TooManyConsumers: { index: 6 },
  Token: { index: 7, value: tokenError },
  Arithmetic: { index: 8, value: arithmeticError },
  Exhausted: { index: 10 },
  Corruption: { index: 11 },
  Unavailable: { index: 12 },
  RootNotAllowed: { index: 13 },
})
export type DispatchErrorValue = Infer<typeof dispatchErrorType>

export const phase = enumeration(['frame_system', 'Phase'], {
  ApplyExtrinsic: { index: 0, value: u32 },
  Finalization: { index: 1 },
  Initialization: { index: 2 },
})
