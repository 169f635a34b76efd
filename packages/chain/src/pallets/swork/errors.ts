/** sWork's errors outside dispatch (dispatch errors are Crust's module errors, in events.ts). */
import { CrustError } from '@crust-ts/base'

/** Thrown by `buildSworkGenesis` when the chain spec's sWork genesis is malformed. */
export class SworkGenesisError extends CrustError {
  constructor(message: string, meta?: Record<string, unknown>) {
    super('SWORK_ERROR_INVALID_GENESIS', `swork genesis: ${message}`, meta)
  }
}
