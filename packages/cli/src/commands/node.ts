import { CliError } from '../errors.js'

export interface RunNodeOptions {
  chain: string
  basePath?: string
  rpcPort: number
  rpcExternal?: boolean
  blockTimeMs: number
}

/** Runs a chain node until SIGINT/SIGTERM. */
export async function runNode(_options: RunNodeOptions): Promise<void> {
  throw new CliError('CLI_ERROR_NOT_READY', 'the chain node is not built yet in this version')
}
