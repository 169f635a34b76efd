/** Options of the sWorker HTTP API and their defaults. */
import { type ComponentLogger, silentLogger } from '@crust-ts/base'
import type { BlockSource } from '../seal/index.js'

export interface SworkerApiInit {
  host?: string
  port?: number
  /** Where sealing pulls blocks from (the node's IPFS). */
  blockSource: BlockSource
  /** Chain block number to record as a file's `c_block_num` when it is sealed. */
  currentBlock?: () => number | Promise<number>
  /** Folder whose disk the workload reports. */
  dataDir: string
  logger?: ComponentLogger
  version?: string
  /** The node's API token (`loadOrCreateApiToken`): every POST must carry `Authorization: Bearer <token>`. */
  token: string
  /** Browser origins allowed to call the API (default none: any request with an `Origin` header is refused). */
  allowedOrigins?: readonly string[]
}

export const DEFAULT_SWORKER_API_PORT = 12222

export const defaultSworkerApiOptions = {
  host: '127.0.0.1',
  port: DEFAULT_SWORKER_API_PORT,
  version: '0.1.0',
  allowedOrigins: [] as readonly string[],
} as const

/** {@link SworkerApiInit} with every default applied: what the server works from. */
export interface SworkerApiConfig {
  host: string
  port: number
  blockSource: BlockSource
  currentBlock: () => number | Promise<number>
  dataDir: string
  logger: ComponentLogger
  version: string
  token: string
  allowedOrigins: readonly string[]
}

/** Applies the defaults to `init` (once, at construction). */
export function resolveSworkerApiConfig(init: SworkerApiInit): SworkerApiConfig {
  return {
    host: init.host ?? defaultSworkerApiOptions.host,
    port: init.port ?? defaultSworkerApiOptions.port,
    blockSource: init.blockSource,
    currentBlock: init.currentBlock ?? (() => 0),
    dataDir: init.dataDir,
    logger: init.logger ?? silentLogger,
    version: init.version ?? defaultSworkerApiOptions.version,
    token: init.token,
    allowedOrigins: init.allowedOrigins ?? defaultSworkerApiOptions.allowedOrigins,
  }
}
