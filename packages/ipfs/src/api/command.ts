/**
 * Command definitions and request parsing, modelled on go-ipfs-cmds: options are typed and
 * converted with Go's rules (`strconv.ParseBool`, `ParseInt(v, 0, bits)`), unknown options are
 * ignored, string arguments come from `arg` query parameters (or the last path segment), file
 * arguments from the multipart body.
 */
import type { KuboApiError } from './errors.js'

export type OptionType = 'bool' | 'int' | 'int64' | 'uint' | 'uint64' | 'float64' | 'string' | 'strings'
export type OptionValue = boolean | number | bigint | string | string[]

export interface OptionDef {
  /** First name is the canonical one; the others are aliases (`s` for `chunker` ...). */
  names: string[]
  type: OptionType
  default?: OptionValue
}

export interface ArgDef {
  name: string
  kind: 'string' | 'file'
  required: boolean
  variadic: boolean
}

/** Options of one request after conversion, keyed by canonical name. */
export class ParsedOptions {
  constructor(private readonly values: Map<string, OptionValue>) {}

  has(name: string): boolean {
    return this.values.has(name)
  }

  bool(name: string): boolean | undefined {
    const v = this.values.get(name)
    return typeof v === 'boolean' ? v : undefined
  }

  string(name: string): string | undefined {
    const v = this.values.get(name)
    return typeof v === 'string' ? v : undefined
  }

  /** int, uint and float options (they fit a JS number). */
  number(name: string): number | undefined {
    const v = this.values.get(name)
    return typeof v === 'number' ? v : undefined
  }

  /** int64 and uint64 options. */
  bigint(name: string): bigint | undefined {
    const v = this.values.get(name)
    return typeof v === 'bigint' ? v : undefined
  }
}

/** Options every command accepts (go-ipfs-cmds and Kubo root options). */
export const GLOBAL_OPTIONS: OptionDef[] = [
  { names: ['encoding', 'enc'], type: 'string', default: 'json' },
  { names: ['stream-channels'], type: 'bool' },
  { names: ['timeout'], type: 'string' },
  { names: ['offline'], type: 'bool' },
  { names: ['cid-base'], type: 'string' },
  { names: ['upgrade-cidv0-in-output'], type: 'bool' },
  { names: ['help'], type: 'bool' },
  { names: ['h'], type: 'bool' },
]

const BOOL_VALUES: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
}

/** Go `strconv.ParseInt(s, 0, bits)`: optional sign, base prefixes 0x 0o 0b or a leading 0 (octal), `_` separators. */
function parseGoInt(s: string, bits: number, unsigned: boolean): bigint | undefined {
  let body = s
  let negative = false
  if (body.startsWith('+') || body.startsWith('-')) {
    if (unsigned) return undefined
    negative = body[0] === '-'
    body = body.slice(1)
  }
  let base = 10
  let digits = body
  const lower = body.toLowerCase()
  if (lower.startsWith('0x')) {
    base = 16
    digits = body.slice(2)
  } else if (lower.startsWith('0o')) {
    base = 8
    digits = body.slice(2)
  } else if (lower.startsWith('0b')) {
    base = 2
    digits = body.slice(2)
  } else if (body.length > 1 && body.startsWith('0')) {
    base = 8
    digits = body.slice(1)
  }
  if (base !== 10) digits = digits.replace(/^_/, '')
  if (digits.includes('__') || digits.endsWith('_')) return undefined
  digits = digits.replaceAll('_', '')
  if (digits.length === 0) return undefined
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!
  if (!valid.test(digits)) return undefined
  let value = 0n
  for (const ch of digits) value = value * BigInt(base) + BigInt(Number.parseInt(ch, base))
  if (negative) value = -value
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n
  const min = unsigned ? 0n : -(1n << BigInt(bits - 1))
  if (value > max || value < min) return undefined
  return value
}

/** Converts one option value as go-ipfs-cmds does; `undefined` when it does not parse. */
function convert(type: OptionType, raw: string): OptionValue | undefined {
  switch (type) {
    case 'bool':
      return BOOL_VALUES[raw]
    case 'int': {
      // Kubo's int options are Go `int` (64-bit on every platform it ships for).
      const v = parseGoInt(raw, 64, false)
      return v === undefined || v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) ? undefined : Number(v)
    }
    case 'uint': {
      const v = parseGoInt(raw, 64, true)
      return v === undefined || v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v)
    }
    case 'int64':
      return parseGoInt(raw, 64, false)
    case 'uint64':
      return parseGoInt(raw, 64, true)
    case 'float64': {
      const v = Number(raw)
      return raw.trim() === '' || Number.isNaN(v) ? undefined : v
    }
    case 'string':
      return raw
    case 'strings':
      return [raw]
  }
}

const KIND_NAMES: Record<OptionType, string> = {
  bool: 'bool',
  int: 'int',
  int64: 'int64',
  uint: 'uint',
  uint64: 'uint64',
  float64: 'float64',
  string: 'string',
  strings: 'slice',
}

/**
 * Parses the query options of a request against the command's and the global option definitions.
 * Throws a plain-text 400 {@link KuboApiError} (via `fail`) with go-ipfs-cmds' messages.
 */
export function parseOptions(query: URLSearchParams, defs: OptionDef[], fail: (message: string) => KuboApiError): ParsedOptions {
  const byName = new Map<string, OptionDef>()
  for (const def of [...GLOBAL_OPTIONS, ...defs]) for (const name of def.names) byName.set(name, def)
  const values = new Map<string, OptionValue>()
  const seen = new Map<string, string>()
  for (const key of new Set(query.keys())) {
    if (key === 'arg') continue
    const def = byName.get(key)
    if (def === undefined) continue
    const all = query.getAll(key)
    const canonical = def.names[0]!
    const previous = seen.get(canonical)
    if (previous !== undefined) {
      throw fail(`duplicate command options were provided (${JSON.stringify(previous)} and ${JSON.stringify(key)})`)
    }
    seen.set(canonical, key)
    if (def.type === 'strings') {
      values.set(canonical, all)
      continue
    }
    if (all.length > 1) throw fail(`expected key ${canonical} to have only a single value, received [${all.join(' ')}]`)
    const raw = all[0]!
    const value = convert(def.type, raw)
    if (value === undefined) {
      const shown = raw.length === 0 ? 'empty value' : `value ${JSON.stringify(raw)}`
      throw fail(`could not convert ${shown} to type ${JSON.stringify(KIND_NAMES[def.type])} (for option ${JSON.stringify(`-${key}`)})`)
    }
    values.set(canonical, value)
  }
  for (const def of [...GLOBAL_OPTIONS, ...defs]) {
    const canonical = def.names[0]!
    if (!values.has(canonical) && def.default !== undefined) values.set(canonical, def.default)
  }
  return new ParsedOptions(values)
}

/**
 * Assigns string arguments to the argument definitions as go-ipfs-cmds does, and checks that the
 * required ones are present. Returns the string arguments in order, and the name of the required
 * file argument (if any) that must come from the multipart body.
 */
export function parseArguments(given: string[], defs: ArgDef[], fail: (message: string) => KuboApiError): { args: string[]; requiredFile: string | undefined } {
  const args: string[] = []
  let requiredFile: string | undefined
  let remaining = [...given]
  let requiredLeft = defs.filter((d) => d.required).length
  for (const def of defs) {
    if (remaining.length <= requiredLeft && !def.required) continue
    if (def.required) requiredLeft--
    if (def.kind === 'string') {
      if (def.variadic) {
        args.push(...remaining)
        remaining = []
      } else if (remaining.length > 0) {
        args.push(remaining.shift()!)
      } else {
        break
      }
    } else if (def.required && requiredFile === undefined) {
      requiredFile = def.name
    }
  }
  let requiredStrings = 0
  for (const def of defs) {
    if (def.kind !== 'string') continue
    if (!def.required) break
    requiredStrings++
    if (requiredStrings > args.length) throw fail(`argument ${JSON.stringify(def.name)} is required`)
  }
  return { args, requiredFile }
}

/** Shorthands for definitions. */
export const opt = {
  bool: (name: string | string[], def?: boolean): OptionDef => optionDef(name, 'bool', def),
  int: (name: string | string[], def?: number): OptionDef => optionDef(name, 'int', def),
  uint: (name: string | string[], def?: number): OptionDef => optionDef(name, 'uint', def),
  int64: (name: string | string[], def?: bigint): OptionDef => optionDef(name, 'int64', def),
  string: (name: string | string[], def?: string): OptionDef => optionDef(name, 'string', def),
}

function optionDef(name: string | string[], type: OptionType, def: OptionValue | undefined): OptionDef {
  const names = Array.isArray(name) ? name : [name]
  return def === undefined ? { names, type } : { names, type, default: def }
}

export const arg = {
  string: (name: string, required: boolean, variadic = false): ArgDef => ({ name, kind: 'string', required, variadic }),
  file: (name: string, required: boolean, variadic = true): ArgDef => ({ name, kind: 'file', required, variadic }),
}
