/** CRU has 12 decimals (1 CRU = 10^12 plancks). */
export const CRU_DECIMALS = 12
const UNIT = 10n ** BigInt(CRU_DECIMALS)

/** Plancks as CRU: up to 4 decimals from 1 CRU up, all of them below (fees are often millionths), e.g. `1,234.5 CRU`, `0.000154 CRU`. */
export function formatCru(plancks: bigint): string {
  const negative = plancks < 0n
  const abs = negative ? -plancks : plancks
  const whole = abs / UNIT
  let digits = (abs % UNIT).toString().padStart(CRU_DECIMALS, '0')
  if (whole > 0n) digits = digits.slice(0, 4)
  digits = digits.replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole.toLocaleString('en-US')}${digits === '' ? '' : `.${digits}`} CRU`
}

/** Parses a CRU amount typed by a user (`1.5`) into plancks; undefined when it is not one. */
export function parseCru(text: string): bigint | undefined {
  const m = /^\s*(\d+)(?:\.(\d{1,12}))?\s*$/.exec(text)
  if (m === null) return undefined
  return BigInt(m[1]!) * UNIT + BigInt((m[2] ?? '').padEnd(CRU_DECIMALS, '0'))
}

/** Bytes in binary units, e.g. `1.5 MiB`. */
export function formatBytes(bytes: number | bigint): string {
  let value = Number(bytes)
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024
    i++
  }
  return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`
}

export const short = (text: string, keep = 8): string => (text.length <= 2 * keep + 1 ? text : `${text.slice(0, keep)}…${text.slice(-keep)}`)
