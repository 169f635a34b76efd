/** Transaction mortality (`Era`): an immortal era, or a window of `period` blocks from a birth block. */

export type Era = { kind: 'immortal' } | { kind: 'mortal'; period: number; phase: number }

/** Parses the 1 or 2 era bytes at `offset`; returns the era and its encoded length, or undefined if invalid. */
export function readEra(bytes: Uint8Array, offset: number): { era: Era; length: number } | undefined {
  const first = bytes[offset]
  if (first === undefined) return undefined
  if (first === 0) return { era: { kind: 'immortal' }, length: 1 }
  const second = bytes[offset + 1]
  if (second === undefined) return undefined
  const encoded = first + (second << 8)
  const period = 2 << (encoded % (1 << 4))
  const quantizeFactor = Math.max(period >> 12, 1)
  const phase = (encoded >> 4) * quantizeFactor
  if (period < 4 || phase >= period) return undefined
  return { era: { kind: 'mortal', period, phase }, length: 2 }
}

/** The block number whose hash a mortal transaction signed, seen from block `current`. */
export function eraBirth(era: Era, current: number): number {
  if (era.kind === 'immortal') return 0
  return Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase
}

/** The first block number at which the transaction is no longer valid. */
export function eraDeath(era: Era, current: number): number {
  if (era.kind === 'immortal') return Number.MAX_SAFE_INTEGER
  return eraBirth(era, current) + era.period
}
