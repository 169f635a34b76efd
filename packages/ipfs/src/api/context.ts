/** What a command handler gets: its parsed request, the node, and the response emitter. */
import type { Logger } from '@crust-ts/base'
import { bases } from 'multiformats/basics'
import type { CID } from 'multiformats/cid'
import type { IpfsNode } from '../interface.js'
import type { CommandBlocks } from './blocks.js'
import type { ArgDef, OptionDef, ParsedOptions } from './command.js'
import { KuboApiError } from './errors.js'
import type { GcLock } from './locks.js'
import type { MultipartReader } from './multipart.js'
import type { KuboApiServerOptions } from './options.js'
import type { ResponseEmitter } from './response.js'

/** State shared by all requests of one server. */
export interface ApiEnv {
  node: IpfsNode
  options: KuboApiServerOptions
  log: Logger
  gcLock: GcLock
}

export interface CommandContext {
  env: ApiEnv
  node: IpfsNode
  /** String arguments, in order. */
  args: string[]
  options: ParsedOptions
  /** The multipart body, for commands with file arguments. */
  files: MultipartReader | undefined
  out: ResponseEmitter
  /** Aborted when the client goes away, the `timeout` option expires or the server stops. */
  signal: AbortSignal
  blocks: CommandBlocks
  /** Formats a CID for output as Kubo's `cidenc.Encoder` (honours `cid-base`). */
  encodeCid(cid: CID): string
}

export interface CommandDef {
  args: ArgDef[]
  options: OptionDef[]
  run(ctx: CommandContext): Promise<void>
}

/** Commands keyed by their path below `/api/v0/` (`block/get`). */
export type CommandTable = Record<string, CommandDef>

const BASES = new Map<string, (typeof bases)[keyof typeof bases]>(Object.values(bases).map((b) => [b.name, b]))

/** Builds the CID encoder of a request (`cid-base`, `upgrade-cidv0-in-output`); throws on an unknown base. */
export function cidEncoder(base: string | undefined, upgrade: boolean | undefined): (cid: CID) => string {
  let encoder: (typeof bases)[keyof typeof bases] | undefined
  let up = false
  if (base !== undefined && base !== '') {
    encoder = BASES.get(base)
    if (encoder === undefined) throw KuboApiError.command(`unrecognized multibase encoder name: ${base}`)
    if (encoder.name !== 'base58btc') up = true
  }
  if (upgrade !== undefined) up = upgrade
  return (cid) => {
    const c = up && cid.version === 0 ? cid.toV1() : cid
    if (encoder === undefined || c.version === 0) return c.toString()
    return c.toString(encoder.encoder)
  }
}
