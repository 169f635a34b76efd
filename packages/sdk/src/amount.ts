/** CRU amounts: decimal text to plancks and back. */
import { CRU, CRU_DECIMALS } from './constants.js'
import { SdkError } from './errors.js'

/** Parses a decimal CRU amount (`"1.5"`, up to 12 decimals) into plancks. */
export function parseCru(text: string): bigint {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim())
  if (match === null || (match[2] ?? '').length > CRU_DECIMALS) {
    throw new SdkError('SDK_ERROR_BAD_AMOUNT', `"${text}" is not an amount of CRU (a decimal number with at most ${CRU_DECIMALS} decimals)`)
  }
  const fraction = (match[2] ?? '').padEnd(CRU_DECIMALS, '0')
  return BigInt(match[1]!) * CRU + BigInt(fraction)
}

/** Formats plancks as decimal CRU, without trailing zeros (`1500000000000n` → `"1.5"`). */
export function formatCru(plancks: bigint): string {
  const sign = plancks < 0n ? '-' : ''
  const abs = plancks < 0n ? -plancks : plancks
  const whole = abs / CRU
  const fraction = (abs % CRU).toString().padStart(CRU_DECIMALS, '0').replace(/0+$/, '')
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`
}
