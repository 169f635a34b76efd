/**
 * Metadata hygiene: every type the v14 metadata names is defined, and what @polkadot/api's derives
 * build from it has BN methods (Crust Apps showed `Unable to resolve type PalletBalancesReserveData`
 * and `o.mul is not a function` against an earlier metadata).
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { Metadata, TypeRegistry } from '@polkadot/types'
import type { PortableType } from '../src/primitives/codec/lookup.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'

/** Runs `fn` and returns what it logged through console.warn / console.error (the registry's logger). */
function captureWarnings(fn: () => void): string[] {
  const seen: string[] = []
  const { warn, error } = console
  console.warn = (...args: unknown[]) => seen.push(args.map(String).join(' '))
  console.error = (...args: unknown[]) => seen.push(args.map(String).join(' '))
  try {
    fn()
  } finally {
    console.warn = warn
    console.error = error
  }
  return seen
}

/** Every type id a portable type refers to (fields, params, inner types). */
function referencedIds(t: PortableType): number[] {
  const ids: number[] = []
  for (const p of t.type.params) if (p.type !== null) ids.push(p.type)
  const def = t.type.def as Record<string, unknown>
  if ('composite' in def) for (const f of (def.composite as { fields: Array<{ type: number }> }).fields) ids.push(f.type)
  if ('variant' in def) {
    for (const v of (def.variant as { variants: Array<{ fields: Array<{ type: number }> }> }).variants) for (const f of v.fields) ids.push(f.type)
  }
  if ('sequence' in def) ids.push((def.sequence as { type: number }).type)
  if ('array' in def) ids.push((def.array as { type: number }).type)
  if ('compact' in def) ids.push((def.compact as { type: number }).type)
  if ('tuple' in def) ids.push(...(def.tuple as number[]))
  return ids
}

describe('metadata v14 types', () => {
  let runtime: Runtime
  let registry: TypeRegistry
  let setupWarnings: string[]

  before(() => {
    runtime = new Runtime(defaultRuntimeConfig)
    registry = new TypeRegistry()
    setupWarnings = captureWarnings(() => registry.setMetadata(new Metadata(registry, runtime.metadata)))
  })

  it('behavior: every type id a type, storage item, constant, call or event refers to is in the lookup', () => {
    const json = registry.metadata.toJSON() as unknown as {
      lookup: { types: PortableType[] }
      pallets: Array<{
        name: string
        storage: { items: Array<{ type: { plain?: number; map?: { key: number; value: number } } }> } | null
        calls: { type: number } | null
        events: { type: number } | null
        errors: { type: number } | null
        constants: Array<{ type: number }>
      }>
    }
    const count = json.lookup.types.length
    assert.deepEqual(
      json.lookup.types.map((t) => t.id),
      json.lookup.types.map((_, i) => i),
      'ids are dense and in order',
    )
    const dangling: string[] = []
    for (const t of json.lookup.types) for (const id of referencedIds(t)) if (id >= count) dangling.push(`${t.id} (${t.type.path.join('::')}) -> ${id}`)
    for (const p of json.pallets) {
      const ids = [p.calls?.type, p.events?.type, p.errors?.type, ...p.constants.map((c) => c.type)]
      for (const item of p.storage?.items ?? []) ids.push(item.type.plain, item.type.map?.key, item.type.map?.value)
      for (const id of ids) if (id !== undefined && id >= count) dangling.push(`${p.name} -> ${id}`)
    }
    assert.deepEqual(dangling, [])
  })

  it('behavior: every lookup type constructs by its id and by its registered name, with no registry warning', () => {
    const failures: string[] = []
    const warnings = captureWarnings(() => {
      for (let id = 0; id < registry.lookup.types.length; id++) {
        try {
          registry.createType(registry.createLookupType(id) as never)
          const name = registry.lookup.getName(id)
          if (name !== undefined) registry.createType(name as never)
        } catch (err) {
          failures.push(`${id}: ${(err as Error).message}`)
        }
      }
    })
    assert.deepEqual(failures, [])
    assert.deepEqual([...setupWarnings, ...warnings], [])
  })

  it("behavior: the types @polkadot/api-derive's balances.all creates by name resolve (Vec<PalletBalancesReserveData>)", () => {
    // api-derive/balances/all.js: when `balances.reserves` is absent it builds this type by name.
    const warnings = captureWarnings(() => {
      const reserves = registry.createType('Vec<PalletBalancesReserveData>')
      assert.equal(reserves.length, 0)
      const one = registry.createType('PalletBalancesReserveData', { id: '0x0102030405060708', amount: 5 }) as unknown as {
        amount: { toBigInt(): bigint }
      }
      assert.equal(one.amount.toBigInt(), 5n)
    })
    assert.deepEqual(warnings, [])
    assert.ok(registry.metadata.pallets.some((p) => p.name.toString() === 'Balances' && p.storage.unwrap().items.some((i) => i.name.toString() === 'Reserves')))
  })

  it('behavior: every numeric constant decodes to a codec with BN arithmetic (derives call .mul on them)', () => {
    // api-derive/session/info.js: `sessionsPerEra.mul(sessionLength)` on `consts.staking.sessionsPerEra`.
    const noArithmetic: string[] = []
    for (const pallet of registry.metadata.pallets) {
      for (const c of pallet.constants) {
        const def = registry.lookup.getSiType(c.type).def
        const value = registry.createType(registry.createLookupType(c.type) as never, c.value) as unknown as { mul?: unknown }
        const numeric = def.isPrimitive ? /^(U|I)\d+$/.test(def.asPrimitive.type) : def.isCompact
        if (numeric && typeof value.mul !== 'function') noArithmetic.push(`${pallet.name}.${c.name}`)
      }
    }
    assert.deepEqual(noArithmetic, [])
    const sessionsPerEra = registry.createType(
      'u32',
      registry.metadata.pallets.find((p) => p.name.toString() === 'Staking')!.constants.find((c) => c.name.toString() === 'SessionsPerEra')!.value,
    )
    assert.equal(sessionsPerEra.toNumber(), 6, 'SessionsPerEra is a plain u32 (Crust: 6)')
  })
})
