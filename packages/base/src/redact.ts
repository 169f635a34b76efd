/**
 * Keeping secrets out of logs and error lines: secret URIs (mnemonics, seeds, derivation paths)
 * and the passwords inside URLs (`postgres://user:pass@host/db`, `wss://user:pass@rpc`).
 */

/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]'

/**
 * Field names whose values are secrets wherever they appear in a structured log line
 * (compared case-insensitively): the logger replaces their values with {@link REDACTED}.
 */
export const SECRET_FIELDS: readonly string[] = [
  'suri',
  'secret',
  'seed',
  'mnemonic',
  'phrase',
  'password',
  'passphrase',
  'validatorKey',
  'validatorSuri',
  'accountUri',
  'privateKey',
  'token',
]

const SECRET_FIELD_SET = new Set(SECRET_FIELDS.map((f) => f.toLowerCase()))

/** `scheme://user:password@` (the userinfo of a URL that carries a password). */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#@]*@/gi
/** `password=...` / `pass=...` / `secret=...` query or connection-string parameters. */
const PASSWORD_PARAM = /([?&;\s](?:password|pass|pwd|secret|token)=)[^&;\s]*/gi

/** A secret URI as it may be logged: never its phrase or path, only that one was given. */
export function redactSuri(suri: string | undefined): string | undefined {
  return suri === undefined ? undefined : REDACTED
}

/**
 * A URL (or any text holding URLs) with the passwords removed: `postgres://crust:hunter2@db/x`
 * becomes `postgres://crust:[redacted]@db/x`, and `?password=x` becomes `?password=[redacted]`.
 * Text without a password comes back unchanged.
 */
export function redactUrl(text: string): string {
  if (!text.includes('=') && !text.includes('@')) return text
  return text.replace(URL_PASSWORD, `$1${REDACTED}@`).replace(PASSWORD_PARAM, `$1${REDACTED}`)
}

/** Whether a structured-log field of this name holds a secret ({@link SECRET_FIELDS}). */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD_SET.has(name.toLowerCase())
}

/**
 * A log object's fields with secrets redacted: {@link SECRET_FIELDS} values replaced, passwords
 * taken out of every string (and of strings one level down in plain objects and arrays).
 * Returns the same object when nothing needed redacting.
 */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined
  for (const [key, value] of Object.entries(fields)) {
    const redacted = redactValue(key, value, 1)
    if (redacted !== value) {
      out ??= { ...fields }
      out[key] = redacted
    }
  }
  return out ?? fields
}

function redactValue(key: string, value: unknown, depth: number): unknown {
  if (value === undefined || value === null) return value
  if (isSecretField(key)) return REDACTED
  if (typeof value === 'string') return redactUrl(value)
  if (value instanceof Error) {
    const message = redactUrl(value.message)
    const stack = value.stack === undefined ? undefined : redactUrl(value.stack)
    if (message === value.message && stack === value.stack) return value
    return { type: value.name, message, ...(stack === undefined ? {} : { stack }) }
  }
  if (depth === 0 || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let changed = false
    const items = value.map((v) => {
      const r = redactValue('', v, depth - 1)
      if (r !== v) changed = true
      return r
    })
    return changed ? items : value
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  let out: Record<string, unknown> | undefined
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const r = redactValue(k, v, depth - 1)
    if (r !== v) {
      out ??= { ...(value as Record<string, unknown>) }
      out[k] = r
    }
  }
  return out ?? value
}
