/**
 * Builder of the metadata's portable type registry (`lookup.types` of metadata v14). Types are
 * registered once each and referenced by numeric id.
 */

/** A type definition in the JSON shape `@polkadot/types` accepts for metadata v14. */
export type TypeDef =
  | { primitive: 'U8' | 'U16' | 'U32' | 'U64' | 'U128' | 'I8' | 'I16' | 'I32' | 'I64' | 'I128' | 'Bool' | 'Str' }
  | { composite: { fields: FieldDef[] } }
  | { variant: { variants: VariantDef[] } }
  | { sequence: { type: number } }
  | { array: { len: number; type: number } }
  | { tuple: number[] }
  | { compact: { type: number } }

export interface FieldDef {
  name: string | null
  type: number
  typeName: string | null
  docs: string[]
}

export interface VariantDef {
  name: string
  fields: FieldDef[]
  index: number
  docs: string[]
}

export interface TypeParam {
  name: string
  type: number | null
}

export interface PortableType {
  id: number
  type: { path: string[]; params: TypeParam[]; def: TypeDef; docs: string[] }
}

/** Anything that can put itself in a {@link LookupBuilder}. */
export interface Registrable {
  register(lookup: LookupBuilder): number
}

export class LookupBuilder {
  readonly types: PortableType[] = []
  private readonly ids = new Map<Registrable, number>()

  /** The id of `type`, registering it (and what it refers to) on first use. */
  idOf(type: Registrable): number {
    const known = this.ids.get(type)
    if (known !== undefined) return known
    const id = type.register(this)
    this.ids.set(type, id)
    return id
  }

  /** Reserves an id now and fills it in later: for recursive types (a call that holds a call). */
  reserve(owner: Registrable): number {
    const id = this.types.length
    this.types.push({ id, type: { path: [], params: [], def: { tuple: [] }, docs: [] } })
    this.ids.set(owner, id)
    return id
  }

  fill(id: number, def: TypeDef, path: string[] = [], params: TypeParam[] = [], docs: string[] = []): number {
    this.types[id] = { id, type: { path, params, def, docs } }
    return id
  }

  add(def: TypeDef, path: string[] = [], params: TypeParam[] = [], docs: string[] = []): number {
    const id = this.types.length
    this.types.push({ id, type: { path, params, def, docs } })
    return id
  }
}
