/**
 * @packageDocumentation
 *
 * The crust-ts IPFS node: Helia on a libp2p host, with a Kubo-compatible HTTP API and a gateway.
 * The node builds its own host (through `@crust-ts/p2p`, with the repo's peer key) unless it is
 * given one to share (`libp2p`).
 *
 * @example
 *
 * ```ts
 * import { createIpfsNode, kuboAddOptions } from '@crust-ts/ipfs'
 *
 * const node = await createIpfsNode({ repoPath: './ipfs-repo', swarm: ['/ip4/127.0.0.1/tcp/0'] })
 * const cid = await node.withPinLock(async () => {
 *   const cid = await node.fs.addBytes(new TextEncoder().encode('hello world\n'), kuboAddOptions())
 *   for await (const _ of node.helia.pins.add(cid)) {
 *     // each pinned block
 *   }
 *   return cid
 * })
 * console.info(cid.toString()) // QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o
 * await node.stop()
 * ```
 */
export type { BitswapStat, IpfsNode, PeerRetrievalScore, RepoStat, RetrievalScores } from './interface.js'
export {
  type BitswapInit,
  HINT_ROUTER_NAME,
  type HeliaOnHost,
  type HintedPeer,
  type HintRouterInit,
  hintRouter,
  type IpfsHost,
  LIBP2P_ROUTER_NAME,
  libp2pRouter,
  MAX_HINTED_PROVIDERS,
  type ProviderHints,
  loadWithBitswap,
  type WithBitswap,
} from './libp2p/index.js'
export {
  ADD_BLOCK_WRITE_CONCURRENCY,
  AtomicPins,
  type CreateIpfsNodeErrorType,
  type CreateIpfsNodeParameters,
  type CreateIpfsNodeReturnType,
  createIpfsNode,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_SCORED_PEERS,
  DEFAULT_STORAGE_MAX,
  DefaultIpfsNode,
  DefaultRetrievalScores,
  NAMED_HOLDER_FAILURE_WEIGHT,
  WRONG_BLOCK_FAILURE_WEIGHT,
  WRONG_BLOCK_SHARE_FORGIVEN,
  WRONG_BLOCKS_TO_SHUN,
  loadScores,
  type PeerRecordTotals,
  SCORES_FILE,
  type SavedScores,
  saveScores,
  defaultIpfsNodeOptions,
  encodeFileLeaf,
  framedChunker,
  fastLeafImporter,
  IpfsNodeError,
  IpfsNodeErrorCode,
  type IpfsNodeErrorType,
  type IpfsNodeInit,
  KUBO_CHUNK_SIZE,
  KUBO_MAX_LINKS,
  KUBO_SHARD_FANOUT_BITS,
  KUBO_SHARD_THRESHOLD_BYTES,
  type KuboAddFlags,
  type KuboAddOptions,
  kuboAddOptions,
  type LeafImporterInit,
  type NotFoundReason,
  notFoundMappingBlocks,
  PinLock,
  REPO_DB_FOLDER,
  type RetrievalScoresInit,
  type RetrievalTotals,
  ScoringBlockBroker,
  prefetchingWalker,
  DEFAULT_PREFETCH_WINDOW,
  sequentialWalker,
  toFetchError,
  type WantListEntryLike,
  writeBehindUnixFS,
} from './node/index.js'
export {
  acquireRepoLock,
  Bucket,
  bucketName,
  type DatastoreScope,
  iterateWithin,
  defaultLmdbRepoOptions,
  LmdbBlockstore,
  LmdbDatastore,
  type LmdbRepoInit,
  LmdbRepo,
  MAX_IN_FLIGHT_BYTES,
  NotFoundError,
  REPO_FORMAT_VERSION,
  REPO_LOCK_FILE,
  REPO_MAX_DBS,
  type RepoDurability,
  RepoError,
  RepoErrorCode,
  type RepoErrorType,
  type RepoLock,
  type RepoStorageStat,
  type StoreOptions,
} from './store/index.js'
export * from './gateway/index.js'
export * from './api/index.js'
export { type IpfsDaemon, type IpfsDaemonInit, startIpfsDaemon } from './daemon.js'
