export { AtomicPins } from './atomic-pins.js'
export {
  ADD_BLOCK_WRITE_CONCURRENCY,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_SCORED_PEERS,
  DEFAULT_STORAGE_MAX,
  KUBO_CHUNK_SIZE,
  KUBO_MAX_LINKS,
  KUBO_SHARD_FANOUT_BITS,
  KUBO_SHARD_THRESHOLD_BYTES,
  REPO_DB_FOLDER,
} from './constants.js'
export { IpfsNodeError, IpfsNodeErrorCode, type IpfsNodeErrorType, type NotFoundReason } from './errors.js'
export { notFoundMappingBlocks, toFetchError } from './fetch-errors.js'
export { DEFAULT_PREFETCH_WINDOW, prefetchingWalker, sequentialWalker } from './graph-walker.js'
export { type KuboAddFlags, type KuboAddOptions, kuboAddOptions } from './kubo-options.js'
export { encodeFileLeaf, fastLeafImporter, type FramedChunks, framedChunker, type LeafImporterInit } from './leaf-importer.js'
export {
  type CreateIpfsNodeErrorType,
  type CreateIpfsNodeParameters,
  type CreateIpfsNodeReturnType,
  createIpfsNode,
  DefaultIpfsNode,
} from './node.js'
export { defaultIpfsNodeOptions, type IpfsNodeConfig, type IpfsNodeInit, resolveIpfsNodeConfig } from './options.js'
export { PinLock } from './pin-lock.js'
export {
  DefaultRetrievalScores,
  NAMED_HOLDER_FAILURE_WEIGHT,
  type PeerRecordTotals,
  type RetrievalScoresInit,
  type RetrievalTotals,
  WRONG_BLOCK_FAILURE_WEIGHT,
  WRONG_BLOCK_SHARE_FORGIVEN,
  WRONG_BLOCKS_TO_SHUN,
} from './retrieval-scores.js'
export { loadScores, SCORES_FILE, type SavedScores, saveScores } from './scores-file.js'
export { ScoringBlockBroker, type WantListEntryLike } from './scoring-broker.js'
export { writeBehindUnixFS } from './write-behind-fs.js'
