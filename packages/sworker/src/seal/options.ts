/** Construction options of the sealer. */
export interface SealerInit {
  /** Bytes of sealed blocks allowed in flight (not yet committed) before sealing waits for the disk. */
  maxInflightBytes?: number
  /** Bytes of blocks handed to the enclave (being verified and encrypted, maybe on other threads) before sealing waits for it. */
  maxSealingBytes?: number
}

export const defaultSealerOptions = {
  maxInflightBytes: 32 * 1024 * 1024,
  maxSealingBytes: 8 * 1024 * 1024,
}
