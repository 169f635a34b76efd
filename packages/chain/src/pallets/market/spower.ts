/**
 * A file's storage power from its replica count: Crust's current table (spower = size + size ×
 * floor(alpha × m) / m). A replica counts only the file size until it ripens (SpowerReadyPeriod).
 */

// [max replicas of the band, alpha numerator, alpha denominator]
const TABLE: Array<[number, bigint, bigint]> = [
  [0, 0n, 1n],
  [8, 1n, 10n],
  [16, 1n, 1n],
  [24, 3n, 1n],
  [32, 7n, 1n],
  [40, 9n, 1n],
  [48, 14n, 1n],
  [55, 19n, 1n],
  [65, 49n, 1n],
  [74, 79n, 1n],
  [83, 99n, 1n],
  [92, 119n, 1n],
  [100, 149n, 1n],
  [115, 159n, 1n],
  [127, 169n, 1n],
  [142, 179n, 1n],
  [157, 189n, 1n],
]
const TOP: [bigint, bigint] = [199n, 1n]

export function calculateSpower(fileSize: bigint, replicas: number): bigint {
  const band = TABLE.find(([max]) => replicas <= max)
  const [num, den] = band === undefined ? TOP : [band[1], band[2]]
  return fileSize + (fileSize * num) / den
}
