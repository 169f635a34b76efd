/** Checks an order's arguments before anything is sent. */
import { CID } from 'multiformats/cid'
import { MAX_CID_LENGTH } from './constants.js'
import { SdkError } from './errors.js'

/** Throws `SDK_ERROR_BAD_CID` unless `cid` parses as a CID the market accepts. */
export function assertCid(cid: string): void {
  if (cid.length === 0 || new TextEncoder().encode(cid).length > MAX_CID_LENGTH) {
    throw new SdkError('SDK_ERROR_BAD_CID', `"${cid}" is not a CID the market accepts (1 to ${MAX_CID_LENGTH} characters)`, { cid })
  }
  try {
    CID.parse(cid)
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_CID', `"${cid}" is not a valid CID`, { cid }, { cause: err })
  }
}

/**
 * Throws `SDK_ERROR_BAD_OPTION` unless `value` is one of `allowed`: callers from plain JavaScript
 * (or a config file) can pass anything, and a typo must not quietly fall back to a default.
 */
export function assertOneOf<T extends string | number>(option: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if ((allowed as readonly unknown[]).includes(value)) return
  const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v))
  const shown = show(value)
  throw new SdkError('SDK_ERROR_BAD_OPTION', `${option} must be one of ${allowed.map(show).join(', ')}; got ${shown}`, {
    option,
    value: shown,
    allowed,
  })
}

function formatBytes(n: bigint): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = Number(n)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${n} bytes` : `${n} bytes (${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]})`
}

/**
 * Throws `SDK_ERROR_BAD_SIZE` unless `size` is a positive integer, and `SDK_ERROR_FILE_TOO_LARGE`
 * unless it is strictly below the market's `maxFileSize`.
 */
export function assertFileSize(size: bigint | number, maxFileSize: bigint): void {
  if (typeof size === 'number' && !Number.isSafeInteger(size)) throw new SdkError('SDK_ERROR_BAD_SIZE', `file size ${size} is not a whole number of bytes`)
  const n = BigInt(size)
  if (n <= 0n) throw new SdkError('SDK_ERROR_BAD_SIZE', `file size ${n} must be positive`, { size: n.toString() })
  if (n >= maxFileSize) {
    throw new SdkError('SDK_ERROR_FILE_TOO_LARGE', `the file is ${formatBytes(n)}; the market takes files below ${formatBytes(maxFileSize)}`, {
      size: n.toString(),
      maxFileSize: maxFileSize.toString(),
    })
  }
}

export { formatBytes }
