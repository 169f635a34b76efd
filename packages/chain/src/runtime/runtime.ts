/**
 * The runtime definition: the pallets, the outer call and event types built from their
 * declarations, the v14 metadata generated from them, and call dispatch.
 */
import { Metadata, TypeRegistry } from '@polkadot/types'
import { u8aToHex } from '@polkadot/util'
import { blake2AsHex } from '@polkadot/util-crypto'
import { balancesPallet } from '../pallets/balances.js'
import { benefitsPallet } from '../pallets/benefits/index.js'
import { challengesPallet } from '../pallets/challenges/index.js'
import { marketPallet } from '../pallets/market/index.js'
import { offencesPallet } from '../pallets/offences/index.js'
import { imOnlinePallet } from '../pallets/im-online/index.js'
import { sessionPallet, stakingPallet } from '../pallets/staking/index.js'
import { sworkPallet } from '../pallets/swork/index.js'
import { sudoPallet } from '../pallets/sudo.js'
import { systemPallet } from '../pallets/system.js'
import { timestampPallet } from '../pallets/timestamp.js'
import { transactionPaymentPallet } from '../pallets/transaction-payment.js'
import { utilityPallet } from '../pallets/utility.js'
import { multisigPallet } from '../pallets/multisig.js'
import { proxyPallet } from '../pallets/proxy.js'
import { identityPallet } from '../pallets/identity/index.js'
import { treasuryPallet } from '../pallets/treasury.js'
import { decodeExact } from '../primitives/codec/decode.js'
import { type FieldDef, LookupBuilder } from '../primitives/codec/lookup.js'
import {
  type AnyType,
  compactU32,
  compactU128,
  describeOnly,
  enumeration,
  type Fields,
  type FieldValues,
  h256,
  lazy,
  type ScaleType,
  struct,
  tuple,
  u32,
  unit,
  vec,
  type VariantSpec,
} from '../primitives/codec/scale-type.js'
import type { RuntimeConfig } from './config.js'
import { encodeLegacyMetadata, type MetadataV14Json, type MetadataVersion } from './legacy-metadata.js'
import { concatBytes } from '../primitives/hashing.js'
import type { AnyCallDef, EventDef, Pallet, RuntimeCallValue } from '../frame/pallet.js'
import { era, multiAddress, multiSignature, phase } from '../primitives/substrate-types.js'

/** Pallet indices: their order in `construct_runtime!`. Never reuse a retired number. */
export const PALLET_INDEX = {
  System: 0,
  Timestamp: 1,
  Balances: 2,
  TransactionPayment: 3,
  Sudo: 4,
  Swork: 5,
  Market: 6,
  Benefits: 7,
  Staking: 8,
  Session: 9,
  Offences: 10,
  // Crust's index for ImOnline (construct_runtime! order: ..., Session 10, Grandpa 11, ImOnline 12).
  ImOnline: 12,
  // Pallets added for users' tools take Crust's indices (crustio/crust runtime/src/lib.rs, construct_runtime!).
  Treasury: 15,
  Utility: 23,
  Identity: 24,
  Multisig: 30,
  // Crust has no proxy pallet: the first index after Crust's last (BridgeTransfer, 32).
  Proxy: 33,
  // Not in Crust: storage challenges.
  Challenges: 34,
} as const

/** `RuntimeVersion` as the JSON-RPC API returns it. */
export interface RuntimeVersionJson {
  specName: string
  implName: string
  authoringVersion: number
  specVersion: number
  implVersion: number
  apis: Array<[string, number]>
  transactionVersion: number
  stateVersion: number
}

/** Runtime APIs the node answers through `state_call`, with their versions. */
export const RUNTIME_APIS: Array<[string, number]> = [
  ['Core', 4],
  ['Metadata', 2],
  ['BlockBuilder', 6],
  ['TaggedTransactionQueue', 3],
  ['AccountNonceApi', 1],
  ['TransactionPaymentApi', 4],
]

/** What the runtime knows about a call before dispatching it. */
export interface CallInfo {
  pallet: Pallet
  name: string
  def: AnyCallDef
  /** Ref-time weight of the call itself (without the extrinsic base weight). */
  weight: bigint
  class: 'Normal' | 'Operational' | 'Mandatory'
  paysFee: boolean
}

const SIGNED_EXTENSIONS = [
  'CheckNonZeroSender',
  'CheckSpecVersion',
  'CheckTxVersion',
  'CheckGenesis',
  'CheckMortality',
  'CheckNonce',
  'CheckWeight',
  'ChargeTransactionPayment',
] as const

function snake(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()
}

export class Runtime {
  readonly config: RuntimeConfig
  readonly pallets: Pallet[]
  readonly callType: ScaleType<RuntimeCallValue>
  readonly version: RuntimeVersionJson
  /** SCALE `RuntimeMetadataPrefixed` (v14), as `state_getMetadata` serves it. */
  readonly metadata: Uint8Array
  /** A @polkadot/types registry with this runtime's metadata (for encoding rarely used types). */
  readonly registry: TypeRegistry
  private readonly byName = new Map<string, Pallet>()
  private readonly metadataV14Json: MetadataV14Json
  private readonly legacyMetadata = new Map<12 | 13, Uint8Array>()
  private readonly eventRecordsType: AnyType

  constructor(config: RuntimeConfig) {
    this.config = config
    const callRef = lazy<RuntimeCallValue>(() => this.callType, 'RuntimeCall')
    // Calls that carry calls (utility, multisig, proxy) weigh what they carry; some take its class too.
    const carriedInfo = (call: RuntimeCallValue) => this.callInfo(call)
    const callWeight = (call: RuntimeCallValue) => carriedInfo(call).weight
    this.pallets = [
      systemPallet(PALLET_INDEX.System, () => ({ eventRecords: this.eventRecordsType })),
      timestampPallet(PALLET_INDEX.Timestamp),
      balancesPallet(PALLET_INDEX.Balances),
      transactionPaymentPallet(PALLET_INDEX.TransactionPayment),
      sudoPallet(PALLET_INDEX.Sudo, callRef),
      sworkPallet(PALLET_INDEX.Swork),
      marketPallet(PALLET_INDEX.Market),
      benefitsPallet(PALLET_INDEX.Benefits),
      stakingPallet(PALLET_INDEX.Staking),
      sessionPallet(PALLET_INDEX.Session),
      offencesPallet(PALLET_INDEX.Offences),
      imOnlinePallet(PALLET_INDEX.ImOnline),
      treasuryPallet(PALLET_INDEX.Treasury),
      utilityPallet(PALLET_INDEX.Utility, callRef, carriedInfo),
      identityPallet(PALLET_INDEX.Identity),
      multisigPallet(PALLET_INDEX.Multisig, callRef, (call) => this.encodeCall(call), callWeight),
      proxyPallet(PALLET_INDEX.Proxy, callRef, carriedInfo, (call) => this.encodeCall(call)),
      challengesPallet(PALLET_INDEX.Challenges),
    ]
    for (const p of this.pallets) this.byName.set(p.name, p)
    this.callType = this.buildCallType()
    const runtimeEvent = this.buildEventType()
    this.eventRecordsType = vec(
      struct(
        ['frame_system', 'EventRecord'],
        { phase, event: runtimeEvent, topics: vec(h256) },
        {
          params: (lookup) => [
            { name: 'E', type: lookup.idOf(runtimeEvent) },
            { name: 'T', type: lookup.idOf(h256) },
          ],
        },
      ),
    )
    this.version = {
      specName: config.specName,
      implName: 'crust-ts',
      authoringVersion: 1,
      specVersion: config.specVersion,
      implVersion: 1,
      apis: RUNTIME_APIS.map(([name, v]) => [blake2AsHex(name, 64), v]),
      transactionVersion: config.transactionVersion,
      stateVersion: 1,
    }
    const built = this.buildMetadata()
    this.metadata = built.bytes
    this.registry = built.registry
    this.metadataV14Json = built.json
  }

  /**
   * The SCALE `RuntimeMetadataPrefixed` of metadata `version`: V14 is {@link metadata}; V12 and
   * V13 (for @polkadot/api 4.x clients) are generated from it on first use.
   */
  metadataOf(version: MetadataVersion): Uint8Array {
    if (version === 14) return this.metadata
    let bytes = this.legacyMetadata.get(version)
    if (bytes === undefined) {
      bytes = encodeLegacyMetadata(this.metadataV14Json, version)
      this.legacyMetadata.set(version, bytes)
    }
    return bytes
  }

  pallet(name: string): Pallet {
    const p = this.byName.get(name)
    if (p === undefined) throw new Error(`no pallet ${name}`)
    return p
  }

  /** Decodes call bytes; they must be canonical and complete. */
  decodeCall(bytes: Uint8Array): RuntimeCallValue {
    return decodeExact(this.callType.codec, bytes, 'call')
  }

  encodeCall(call: RuntimeCallValue): Uint8Array {
    return this.callType.codec.enc(call)
  }

  callInfo(call: RuntimeCallValue): CallInfo {
    const pallet = this.pallet(call.tag)
    const def = pallet.calls[call.value.tag]
    if (def === undefined) throw new Error(`no call ${call.tag}.${call.value.tag}`)
    const weight = typeof def.weight === 'function' ? def.weight(call.value.value as never) : def.weight
    const dispatchClass = typeof def.class === 'function' ? def.class(call.value.value as never) : (def.class ?? 'Normal')
    return { pallet, name: call.value.tag, def, weight, class: dispatchClass, paysFee: def.paysFee ?? true }
  }

  /** The SCALE bytes of a `RuntimeEvent`: pallet index, event index, fields in order. */
  encodeEvent<F extends Fields>(def: EventDef<F>, value: FieldValues<F>): Uint8Array {
    if (def.pallet === undefined) throw new Error(`event ${def.name} is not bound to a pallet`)
    const parts: Uint8Array[] = [Uint8Array.of(def.pallet.index, def.index)]
    for (const [name, type] of Object.entries(def.fields)) parts.push(type.codec.enc((value as Record<string, unknown>)[name]))
    return concatBytes(...parts)
  }

  private buildCallType(): ScaleType<RuntimeCallValue> {
    const variants: Record<string, VariantSpec> = {}
    for (const p of this.pallets) {
      if (Object.keys(p.calls).length === 0) continue
      const calls: Record<string, VariantSpec> = {}
      for (const [name, def] of Object.entries(p.calls)) {
        calls[name] = { index: def.index, fields: def.args, docs: def.docs ?? [] }
      }
      variants[p.name] = {
        index: p.index,
        value: enumeration([p.path, 'pallet', 'Call'], calls, { params: [{ name: 'T', type: null }], typeName: 'Call' }),
      }
    }
    return enumeration(['crust_runtime', 'RuntimeCall'], variants, { recursive: true }) as unknown as ScaleType<RuntimeCallValue>
  }

  /** `RuntimeEvent` is only described: event bytes are assembled by {@link encodeEvent}. */
  private buildEventType(): AnyType {
    const palletEventType = (p: Pallet) =>
      describeOnly((lookup) =>
        lookup.add(
          {
            variant: {
              variants: Object.entries(p.events).map(([name, def]) => ({
                name,
                index: def.index,
                fields: Object.entries(def.fields).map(
                  ([field, type]): FieldDef => ({ name: def.unnamed ? null : field, type: lookup.idOf(type), typeName: type.typeName ?? null, docs: [] }),
                ),
                docs: def.docs,
              })),
            },
          },
          [p.path, 'pallet', 'Event'],
          [{ name: 'T', type: null }],
        ),
      )
    const withEvents = this.pallets.filter((p) => Object.keys(p.events).length > 0)
    const perPallet = new Map(withEvents.map((p) => [p, palletEventType(p)]))
    return describeOnly((lookup) =>
      lookup.add(
        {
          variant: {
            variants: withEvents.map((p) => ({
              name: p.name,
              index: p.index,
              fields: [{ name: null, type: lookup.idOf(perPallet.get(p)!), typeName: null, docs: [] }],
              docs: [],
            })),
          },
        },
        ['crust_runtime', 'RuntimeEvent'],
      ),
    )
  }

  private buildMetadata(): { bytes: Uint8Array; registry: TypeRegistry; json: MetadataV14Json } {
    const lookup = new LookupBuilder()
    const errorType = (p: Pallet) =>
      enumeration([p.path, 'pallet', 'Error'], Object.fromEntries(Object.values(p.errors).map((e) => [e.name, { index: e.index, docs: e.docs }])), {
        params: [{ name: 'T', type: null }],
      })
    const callId = lookup.idOf(this.callType)
    const eventRecordsId = lookup.idOf(this.eventRecordsType)
    const eventEnumId = (lookup.types[eventRecordsId]!.type.def as { sequence: { type: number } }).sequence.type
    const recordFields = (lookup.types[eventEnumId]!.type.def as { composite: { fields: FieldDef[] } }).composite.fields
    const runtimeEventId = recordFields[1]!.type
    const callVariants = (lookup.types[callId]!.type.def as { variant: { variants: Array<{ name: string; fields: FieldDef[] }> } }).variant.variants
    const eventVariants = (lookup.types[runtimeEventId]!.type.def as { variant: { variants: Array<{ name: string; fields: FieldDef[] }> } }).variant.variants
    const pallets = this.pallets.map((p) => {
      const callVariant = callVariants.find((v) => v.name === p.name)
      const eventVariant = eventVariants.find((v) => v.name === p.name)
      return {
        name: p.name,
        index: p.index,
        storage: p.storage.length === 0 ? null : { prefix: p.name, items: p.storage.map((item) => item.metadata(lookup)) },
        calls: callVariant === undefined ? null : { type: callVariant.fields[0]!.type },
        events: eventVariant === undefined ? null : { type: eventVariant.fields[0]!.type },
        constants: Object.entries(p.constants).map(([name, c]) => ({
          name,
          type: lookup.idOf(c.type),
          value: u8aToHex(c.type.codec.enc(c.value(this.config))),
          docs: c.docs ?? [],
        })),
        errors: Object.keys(p.errors).length === 0 ? null : { type: lookup.idOf(errorType(p)) },
      }
    })
    const extension = (name: string, inner?: AnyType) =>
      describeOnly((l) =>
        l.add(
          { composite: { fields: inner === undefined ? [] : [{ name: null, type: l.idOf(inner), typeName: inner.typeName ?? null, docs: [] }] } },
          name === 'ChargeTransactionPayment' ? ['pallet_transaction_payment', name] : ['frame_system', 'extensions', snake(name), name],
          [{ name: 'T', type: null }],
        ),
      )
    const extensionTypes: Record<string, AnyType> = Object.fromEntries(
      SIGNED_EXTENSIONS.map((name) => [
        name,
        extension(name, name === 'CheckMortality' ? era : name === 'CheckNonce' ? compactU32 : name === 'ChargeTransactionPayment' ? compactU128 : undefined),
      ]),
    )
    const additional: Record<string, AnyType> = { CheckSpecVersion: u32, CheckTxVersion: u32, CheckGenesis: h256, CheckMortality: h256 }
    const signedExtensions = SIGNED_EXTENSIONS.map((identifier) => ({
      identifier,
      type: lookup.idOf(extensionTypes[identifier]!),
      additionalSigned: lookup.idOf(additional[identifier] ?? unit),
    }))
    const extraType = tuple(...SIGNED_EXTENSIONS.map((n) => extensionTypes[n]!))
    const uxt = describeOnly((l) =>
      l.add(
        { sequence: { type: l.idOf(describeOnly((l2) => l2.add({ primitive: 'U8' }))) } },
        ['sp_runtime', 'generic', 'unchecked_extrinsic', 'UncheckedExtrinsic'],
        [
          { name: 'Address', type: l.idOf(multiAddress) },
          { name: 'Call', type: l.idOf(this.callType) },
          { name: 'Signature', type: l.idOf(multiSignature) },
          { name: 'Extra', type: l.idOf(extraType) },
        ],
      ),
    )
    const uxtId = lookup.idOf(uxt)
    const runtimeId = lookup.add({ composite: { fields: [] } }, ['crust_runtime', 'Runtime'])
    const json = {
      magicNumber: 0x6174656d,
      metadata: {
        v14: {
          lookup: { types: lookup.types },
          pallets,
          extrinsic: { type: uxtId, version: 4, signedExtensions },
          type: runtimeId,
        },
      },
    }
    const registry = new TypeRegistry()
    const metadata = new Metadata(registry, json as never)
    const bytes = metadata.toU8a()
    registry.setMetadata(new Metadata(registry, bytes))
    return { bytes, registry, json: json.metadata.v14 as MetadataV14Json }
  }
}
