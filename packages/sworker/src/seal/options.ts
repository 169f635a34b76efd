/** Construction options of the sealer. */
export interface SealerInit {
  /** Bytes of sealed blocks allowed in flight (not yet committed) before sealing waits for the disk. */
  maxInflightBytes?: number
}

export const defaultSealerOptions = {
  maxInflightBytes: 32 * 1024 * 1024,
}
