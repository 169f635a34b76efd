/**
 * @packageDocumentation
 *
 * The crust-ts chain: a Substrate-compatible runtime, block production, state trie and JSON-RPC,
 * which unmodified `@polkadot/api` clients talk to.
 *
 * @example
 * ```ts
 * import { createLogger } from '@crust-ts/base'
 * import { builtinSpec, ChainNode } from '@crust-ts/chain'
 *
 * const node = await ChainNode.create({
 *   spec: builtinSpec('dev')!, basePath: './data', rpc: { host: '127.0.0.1', port: 9944 },
 *   blockTimeMs: 1000, author: true, logger: createLogger(),
 * })
 * await node.start()
 * ```
 */
export * from './constants.js'
export { ChainNode, type ChainNodeInit, parseStatePruning, type StatePruning } from './node/chain-node.js'
export {
  Chain,
  ChainError,
  ChainErrorCode,
  type BlockRecord,
  type ChainEvents,
  type ChainInit,
  type FinalityMode,
  type ImportedBlock,
  type ImportResult,
  type BlockEquivocation,
  type ProduceBlockOptions,
  type Reorg,
  type StateView,
  type StateChunk,
  type StateChunkLimits,
  type SyncedState,
  type ProvenAuthorities,
  type AuthoritySet,
  eraAuthorities,
  genesisAuthorities,
  type Voter,
  type VoterSet,
  BlockImportError,
  BlockImportErrorCode,
  type BlockImportErrorType,
  FinalityError,
  checkHeaderLink,
  checkSeal,
  checkSlot,
  checkSlotNotFuture,
  type HeaderParent,
} from './chain/index.js'
export {
  AURA_ENGINE_ID,
  auraPreDigest,
  type BlockSigner,
  findSlot,
  sealHeader,
  signerFromUri,
  slotAuthor,
  slotOf,
  unsealHeader,
  verifySeal,
} from './primitives/aura.js'
export {
  decodeBody,
  decodeHeader,
  encodeBody,
  encodeHeader,
  extrinsicsRoot,
  type Header,
  type HeaderJson,
  hashHeader,
  headerFromJson,
} from './primitives/header.js'
export { CodecError, CodecErrorCode, type CodecErrorType } from './primitives/errors.js'
export { Runtime, PALLET_INDEX, type RuntimeVersionJson } from './runtime/runtime.js'
export {
  DEFAULT_METADATA_VERSION,
  isMetadataVersion,
  LegacyMetadataError,
  METADATA_VERSIONS,
  type MetadataVersion,
} from './runtime/legacy-metadata.js'
export { defaultRuntimeConfig, type RuntimeConfig } from './runtime/config.js'
export { decodeExtrinsic, type DecodedExtrinsic } from './frame/extrinsic.js'
export { DEFAULT_VERIFIED_SIGNATURES, VerifiedSignatures } from './frame/verified-signatures.js'
export { defaultSignatureWorkers, SignatureWorkers } from './frame/signature-workers.js'
export { verifySr25519 } from './primitives/sr25519.js'
export { builtinSpec, loadChainSpec, parseChainSpec, devAddress, accountIdOf, ChainSpecError, LOCAL_AUTHORITIES, type ChainSpec } from './spec/chain-spec.js'
export * from './node/rpc/index.js'
export * from './node/txpool/index.js'
export * from './node/keystore/index.js'
export { isLoopback, UNSAFE_RPC_CODE, UNSAFE_RPC_MESSAGE } from './node/api/author-keys-api.js'
export { EMPTY_TRIE_ROOT, MerkleTrie, SortedTrieBuilder, type TrieNodeSink } from './state/index.js'
export { ChainDatabase, type ChainDatabaseDurability, type ChainDatabaseInit, DbError, DbErrorCode, type StateMode } from './db/index.js'
export {
  type PeerRefusal,
  type PeerSubmitResult,
  type PooledExtrinsic,
  type SubmitResult,
  TransactionPool,
  type TransactionStatus,
} from './node/txpool/transaction-pool.js'
/** Building blocks for tools and benchmarks that run the runtime without a node. */
export { OverlayState } from './frame/overlay.js'
export { BlockExecutor } from './runtime/executive.js'
export { buildGenesisState } from './spec/genesis.js'
export * as staking from './pallets/staking/index.js'
export * as market from './pallets/market/index.js'
export * as swork from './pallets/swork/index.js'
export * as system from './pallets/system.js'
export * as balances from './pallets/balances.js'
export type { StorageAccess } from './frame/storage.js'
export * as offences from './pallets/offences/index.js'
export * as imOnline from './pallets/im-online/index.js'
export { ed25519KeyOfPeerId, MAX_PEER_ADDRS, PeerRecords, peerRecordPayload, type PeerRecord } from './pallets/swork/index.js'
