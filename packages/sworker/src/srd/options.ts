/** Construction options of {@link Srd}. */
export interface SrdInit {
  /** Folder holding the unit files (created if missing). */
  dir: string
  /** Bytes per unit (Crust: 1 GiB); a multiple of `chunkSize`. */
  unitSize?: number
  /** Bytes generated and written per step. */
  chunkSize?: number
  /** Bytes compared when a check samples a unit. */
  sampleSize?: number
  /** Free disk bytes SRD never takes (default {@link defaultSrdReserveBytes} of the unit size). */
  reserveBytes?: number
}

/** Free bytes on the file system holding `dir` (the seam tests replace; default: statfs). */
export type FreeSpace = (dir: string) => Promise<number>

/** The smallest default reserve: room for the sealed store's index, logs and the OS. */
export const MIN_SRD_RESERVE_BYTES = 1024 * 1024 * 1024

/**
 * The default reserve: one unit, and at least 1 GiB. SRD is given back a unit at a time, so
 * keeping one unit free lets a file of up to a unit's size be sealed before any unit is dropped;
 * the 1 GiB floor (for small units) keeps the sealed store's index and the OS off a full disk.
 */
export function defaultSrdReserveBytes(unitSize: number): number {
  return Math.max(MIN_SRD_RESERVE_BYTES, unitSize)
}

export const defaultSrdOptions = {
  unitSize: 1024 * 1024 * 1024,
  chunkSize: 4 * 1024 * 1024,
  sampleSize: 64 * 1024,
}
