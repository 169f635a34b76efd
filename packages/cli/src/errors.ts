import { CrustError } from '@crust-ts/base'

/** A command-line error: printed as one readable line, exit code 1. */
export class CliError extends CrustError {}
