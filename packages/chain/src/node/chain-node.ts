/**
 * A chain node: database, runtime, chain, transaction pool, block author and JSON-RPC server,
 * wired in dependency order and stopped in reverse.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { u8aEq } from '@polkadot/util'
import { registerSubstrateApi } from './api/substrate-api.js'
import { DEFAULT_METADATA_VERSION, type MetadataVersion } from '../runtime/legacy-metadata.js'
import { registerAuthorKeysApi } from './api/author-keys-api.js'
import { Keystore } from './keystore/index.js'
import { type AuthoritySet, eraAuthorities } from '../chain/authorities.js'
import { type BlockSigner, signerFromUri } from '../primitives/aura.js'
import { Chain, ChainError, ChainErrorCode, type FinalityMode } from '../chain/index.js'
import { DEFAULT_STATE_PRUNING } from '../chain/constants.js'
import { ChainDatabase } from '../db/index.js'
import type { ComponentLogger } from '@crust-ts/base'
import { defaultRuntimeConfig, type RuntimeConfig } from '../runtime/config.js'
import { Runtime } from '../runtime/runtime.js'
import { type RpcCors, RpcServer } from './rpc/index.js'
import { accountIdOf, type ChainSpec, DEV_AUTHORITY, devAddress } from '../spec/chain-spec.js'
import { TransactionPool } from './txpool/transaction-pool.js'
import { BlockAuthor } from './block-author.js'

export const NODE_NAME = 'crust-ts'
export const NODE_VERSION = '0.1.0'

export interface ChainNodeInit {
  spec: ChainSpec
  /** The node's data folder; the chain database lives in `<basePath>/chain`, session keys in `<basePath>/keystore`. */
  basePath: string
  /** The RPC server's address; `cors`: browser origins served (default: Substrate's local list). */
  rpc: { host: string; port: number; maxConnections?: number; cors?: RpcCors }
  blockTimeMs: number
  /**
   * Author every block as the spec's single authority (a one-validator chain, e.g. `dev`). A
   * multi-validator node leaves this off and runs `@crust-ts/consensus` on the chain instead.
   */
  author: boolean
  /**
   * Secret URI of the single authority's sr25519 key (its blocks are then Aura-sealed, so other
   * nodes can import them); default `//Alice//stash` when that is the spec's only authority.
   */
  authorityKey?: string
  /** How blocks become final; default `author` (single authority: the parent of a new block). */
  finality?: FinalityMode
  /**
   * The authority set blocks are checked against; default the staking election's per era
   * ({@link eraAuthorities}) with `external` finality, else the spec's genesis authorities.
   */
  authorities?: AuthoritySet
  logger: ComponentLogger
  runtime?: Partial<RuntimeConfig>
  /**
   * States kept: the last this many finalized blocks' (default 256, as Substrate), or `archive`
   * for every state. A database keeps the mode it was created in: pruned and archive do not mix.
   */
  pruning?: StatePruning
  /**
   * The metadata `state_getMetadata` serves (default 14). 13 and 12 are for @polkadot/api 4.x
   * clients (Crust's mainnet UI, `@crustio/crust-pin`), which read no later version; clients that
   * ask through the `Metadata` runtime API (today's @polkadot/api) still get V14.
   */
  metadataVersion?: MetadataVersion
  /** Worker threads that check batches of transaction signatures (default one per further core, at most 4; 0: none). */
  signatureWorkers?: number
}

/** `--pruning`: a number of finalized blocks whose states are kept, or `archive` (all of them). */
export type StatePruning = number | 'archive'

/**
 * Parses `--pruning`: `archive`, or a whole number of blocks of at least 1. Throws
 * {@link ChainError} `CHAIN_ERROR_INVALID_OPTIONS` otherwise.
 */
export function parseStatePruning(value: string): StatePruning {
  if (value === 'archive') return 'archive'
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ChainError(ChainErrorCode.INVALID_OPTIONS, `--pruning: expected 'archive' or a number of blocks of at least 1, got '${value}'`)
  }
  return n
}

/** The single authority's signer: from `authorityKey`, or the dev key when it is the dev authority. */
function singleAuthoritySigner(init: ChainNodeInit): BlockSigner | undefined {
  const authorities = init.spec.genesis.authorities
  if (authorities.length !== 1) return undefined
  const uri = init.authorityKey ?? (authorities[0] === devAddress(DEV_AUTHORITY) ? `//${DEV_AUTHORITY}` : undefined)
  if (uri === undefined) return undefined
  const signer = signerFromUri(uri)
  return u8aEq(signer.publicKey, accountIdOf(authorities[0]!)) ? signer : undefined
}

/** How often the node logs its status line (best, finalized, pool) when nothing else happens. */
const STATUS_INTERVAL_MS = 5000

export class ChainNode {
  private rpcAddress: { host: string; port: number } | undefined
  private statusTimer: NodeJS.Timeout | undefined

  private constructor(
    readonly init: ChainNodeInit,
    readonly db: ChainDatabase,
    readonly runtime: Runtime,
    readonly chain: Chain,
    readonly pool: TransactionPool,
    readonly rpc: RpcServer,
    readonly author: BlockAuthor | undefined,
    /** Session keys this node authors, votes and sends heartbeats with. */
    readonly keystore: Keystore,
  ) {}

  static async create(init: ChainNodeInit): Promise<ChainNode> {
    await cryptoWaitReady()
    const log = init.logger.forComponent('chain:node')
    const path = join(init.basePath, 'chain')
    mkdirSync(path, { recursive: true })
    const pruning = init.pruning ?? DEFAULT_STATE_PRUNING
    const db = ChainDatabase.open(path, { state: pruning === 'archive' ? 'archive' : 'pruned' })
    try {
      const runtime = new Runtime({
        ...defaultRuntimeConfig,
        ...init.spec.runtime,
        ...init.runtime,
        blockTimeMs: init.blockTimeMs,
        ss58Prefix: init.spec.properties.ss58Format,
      })
      const authorities = init.authorities ?? (init.finality === 'external' ? eraAuthorities() : undefined)
      const chain = Chain.open(db, runtime, init.spec, {
        ...(init.finality === undefined ? {} : { finality: init.finality }),
        ...(authorities === undefined ? {} : { authorities }),
        ...(pruning === 'archive' ? {} : { pruning }),
        ...(init.signatureWorkers === undefined ? {} : { signatureWorkers: init.signatureWorkers }),
      })
      const pool = new TransactionPool(runtime, chain)
      // Transactions of blocks a reorg retracts go back to the pool (those already in the new chain are refused there).
      chain.on('reorg', ({ retracted }) => {
        for (const block of retracted) {
          for (const xt of (chain.extrinsicsOf(block.hash) ?? []).slice(1)) {
            try {
              pool.submit(xt)
            } catch {
              // stale or already included in the new best chain
            }
          }
        }
      })
      const rpc = new RpcServer({
        host: init.rpc.host,
        port: init.rpc.port,
        logger: init.logger.forComponent('chain:rpc'),
        ...(init.rpc.maxConnections === undefined ? {} : { maxConnections: init.rpc.maxConnections }),
        ...(init.rpc.cors === undefined ? {} : { cors: init.rpc.cors }),
      })
      registerSubstrateApi(rpc, {
        chain,
        pool,
        runtime,
        spec: init.spec,
        nodeName: NODE_NAME,
        nodeVersion: NODE_VERSION,
        isAuthority: init.author,
        metadataVersion: init.metadataVersion ?? DEFAULT_METADATA_VERSION,
      })
      const keystore = Keystore.open(init.basePath)
      registerAuthorKeysApi(rpc, keystore)
      const signer = init.author ? singleAuthoritySigner(init) : undefined
      const author = init.author
        ? new BlockAuthor(
            { chain, pool, log: init.logger.forComponent('chain:author') },
            { blockTimeMs: init.blockTimeMs, author: accountIdOf(init.spec.genesis.authorities[0]!), ...(signer === undefined ? {} : { signer }) },
          )
        : undefined
      log.info(
        {
          chain: init.spec.name,
          genesis: chain.genesis.hashHex,
          best: chain.best.number,
          bestHash: chain.best.hashHex,
          pruning,
          stateFrom: chain.stateFrom,
          metadataVersion: init.metadataVersion ?? DEFAULT_METADATA_VERSION,
          signatureWorkers: chain.signatureWorkers.size,
        },
        'chain opened',
      )
      return new ChainNode(init, db, runtime, chain, pool, rpc, author, keystore)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  async start(): Promise<{ rpc: { host: string; port: number } }> {
    this.rpcAddress = await this.rpc.start()
    this.init.logger.forComponent('chain:rpc').info({ host: this.rpcAddress.host, port: this.rpcAddress.port }, 'RPC server listening')
    this.author?.start()
    const log = this.init.logger.forComponent('chain:node')
    this.statusTimer = setInterval(() => {
      const { best, finalized } = this.chain
      log.info({ best: best.number, bestHash: best.hashHex, finalized: finalized.number, pool: this.pool.status() }, 'status')
    }, STATUS_INTERVAL_MS)
    this.statusTimer.unref()
    return { rpc: this.rpcAddress }
  }

  async stop(): Promise<void> {
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer)
    this.author?.stop()
    await this.rpc.stop()
    await this.db.close()
  }
}
