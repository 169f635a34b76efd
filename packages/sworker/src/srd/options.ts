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
}

export const defaultSrdOptions = {
  unitSize: 1024 * 1024 * 1024,
  chunkSize: 4 * 1024 * 1024,
  sampleSize: 64 * 1024,
}
