/** Validation of PSA query strings and bodies; failures are 400s with a `details` text. */
import { CID } from 'multiformats/cid'
import { type NewPin, PIN_STATUSES, type PinQuery, type PinStatusValue, type TextMatch } from '../store/index.js'
import { defaultPinningServiceOptions as D } from './options.js'

/** A request the PSA answers with 400. */
export class BadRequest extends Error {}

const MATCHES: readonly TextMatch[] = ['exact', 'iexact', 'partial', 'ipartial']

function parseCid(value: string): string {
  try {
    // Kept as sent (a CIDv0 stays v0): the same string goes on chain.
    CID.parse(value.trim())
    return value.trim()
  } catch {
    throw new BadRequest(`invalid cid: ${value}`)
  }
}

function parseDate(name: string, value: string): number {
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new BadRequest(`${name} must be an ISO 8601 date`)
  return t
}

function parseStringMap(name: string, value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest(`${name} must be an object`)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new BadRequest(`${name}.${k} must be a string`)
    out[k] = v
  }
  return out
}

/** GET /pins query → PinQuery for `owner`. */
export function parseListQuery(owner: string, params: URLSearchParams): PinQuery {
  const q: PinQuery = { owner, limit: D.defaultLimit }
  const cid = params.get('cid')
  if (cid !== null) {
    const cids = cid.split(',').filter((c) => c.trim() !== '')
    if (cids.length === 0 || cids.length > D.maxCids) throw new BadRequest(`cid must list 1 to ${D.maxCids} CIDs`)
    q.cids = cids.map((c) => c.trim())
  }
  const name = params.get('name')
  if (name !== null) {
    if (name.length > D.maxNameLength) throw new BadRequest(`name is longer than ${D.maxNameLength}`)
    q.name = name
  }
  const match = params.get('match')
  if (match !== null) {
    if (!MATCHES.includes(match as TextMatch)) throw new BadRequest(`match must be one of ${MATCHES.join(', ')}`)
    q.match = match as TextMatch
  }
  const status = params.get('status')
  if (status !== null) {
    const statuses = status.split(',').map((s) => s.trim())
    for (const s of statuses) if (!PIN_STATUSES.includes(s as PinStatusValue)) throw new BadRequest(`unknown status: ${s}`)
    q.statuses = statuses as PinStatusValue[]
  }
  const before = params.get('before')
  if (before !== null) q.before = parseDate('before', before)
  const after = params.get('after')
  if (after !== null) q.after = parseDate('after', after)
  const limit = params.get('limit')
  if (limit !== null) {
    const n = Number(limit)
    if (!Number.isInteger(n) || n < 1 || n > D.maxLimit) throw new BadRequest(`limit must be an integer from 1 to ${D.maxLimit}`)
    q.limit = n
  }
  const meta = params.get('meta')
  if (meta !== null) {
    let parsed: unknown
    try {
      parsed = JSON.parse(meta)
    } catch {
      throw new BadRequest('meta must be a JSON object')
    }
    q.meta = parseStringMap('meta', parsed)
  }
  // The OpenAPI-generated clients (e.g. @ipfs-shipyard/pinning-service-client) send `meta[key]=value`.
  for (const [key, value] of params) {
    const bracket = /^meta\[(.+)\]$/.exec(key)
    if (bracket !== null) q.meta = { ...q.meta, [bracket[1]!]: value }
  }
  return q
}

/** POST body → NewPin for `owner`. */
export function parsePinBody(owner: string, body: unknown): NewPin {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body must be a JSON object')
  const b = body as Record<string, unknown>
  if (typeof b.cid !== 'string' || b.cid.trim() === '') throw new BadRequest('cid is required')
  const pin: NewPin = { owner, cid: parseCid(b.cid) }
  if (b.name !== undefined && b.name !== null) {
    if (typeof b.name !== 'string' || b.name.length > D.maxNameLength) throw new BadRequest(`name must be a string of at most ${D.maxNameLength}`)
    pin.name = b.name
  }
  if (b.origins !== undefined && b.origins !== null) {
    if (!Array.isArray(b.origins) || b.origins.length > D.maxOrigins || b.origins.some((o) => typeof o !== 'string')) {
      throw new BadRequest(`origins must be an array of at most ${D.maxOrigins} multiaddr strings`)
    }
    pin.origins = b.origins as string[]
  }
  if (b.meta !== undefined && b.meta !== null) pin.meta = parseStringMap('meta', b.meta)
  return pin
}
