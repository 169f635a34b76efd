/** Options of {@link runSworker} and their defaults. */
import type { ApiPromise } from '@polkadot/api'
import type { ComponentLogger } from '@crust-ts/base'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { BlockSource } from '../seal/index.js'

export interface RunSworkerInit {
  dataDir: string
  chainRpc: string
  /**
   * A chain client the caller already holds (and disconnects itself), used instead of a new one to
   * `chainRpc`: each @polkadot/api client keeps its own decoded metadata and type registry, so a
   * storage node that runs the sWorker in its process shares its client.
   */
  api?: ApiPromise
  ipfsApi: string
  /** The node's account: a key pair (from a keystore), or a secret URI (`//Bob` in dev). */
  account?: KeyringPair
  accountUri?: string
  apiHost?: string
  apiPort?: number
  srdUnitSize?: number
  /** SRD units to have before the first work report (grown to this at start, never shrunk here). */
  srdUnits?: number
  /** Where sealing reads blocks; default the IPFS API (`block/get`). A node that runs IPFS in the same process passes its block store. */
  blockSource?: BlockSource
  /** Integrity check interval in milliseconds (default 60 s) and blocks sampled per check. */
  checkIntervalMs?: number
  logger: ComponentLogger
}

/** Address format of the account given as a secret URI (Crust's, 66). */
export const SWORKER_SS58_FORMAT = 66
/** Blocks sampled by each periodic integrity check. */
export const INTEGRITY_CHECK_SAMPLE_BLOCKS = 64

export const defaultRunSworkerOptions = {
  checkIntervalMs: 60_000,
} as const

/** {@link RunSworkerInit} with its defaults applied. */
export type RunSworkerConfig = Omit<RunSworkerInit, 'checkIntervalMs'> & { checkIntervalMs: number }

/** Applies the defaults to `init` (once, at the start of {@link runSworker}). */
export function resolveRunSworkerConfig(init: RunSworkerInit): RunSworkerConfig {
  return { ...init, checkIntervalMs: init.checkIntervalMs ?? defaultRunSworkerOptions.checkIntervalMs }
}
