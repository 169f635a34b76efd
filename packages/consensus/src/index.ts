/**
 * @packageDocumentation
 *
 * crust-ts consensus: the chain on a libp2p network. Blocks and finality votes are gossiped
 * (gossipsub), pool transactions are pushed to peers and re-offered until they hold them (a
 * transactions protocol), missing blocks are fetched with a request/response sync protocol and
 * imported by executing them, and validators author blocks in Aura slots.
 *
 * @example
 * ```ts
 * import { builtinSpec, ChainNode } from '@crust-ts/chain'
import { createLogger } from '@crust-ts/base'
 * import { ConsensusNode, createConsensusHost } from '@crust-ts/consensus'
 *
 * const logger = createLogger()
 * const chainNode = await ChainNode.create({
 *   spec: builtinSpec('local')!, basePath: './data', rpc: { host: '127.0.0.1', port: 9944 },
 *   blockTimeMs: 1000, author: false, finality: 'external', logger,
 * })
 * const host = await createConsensusHost({ listen: ['/ip4/0.0.0.0/tcp/30333'], peerKeyPath: './data/peer.key' })
 * const node = ConsensusNode.create({ chainNode, host, validatorKey: '//Alice//stash', logger })
 * await chainNode.start()
 * await node.start()
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export { ConsensusNode, type ConsensusNodeInit, type SyncMode, createConsensusHost, type CreateConsensusHostInit } from './consensus-node.js'
export {
  ChainNetwork,
  type ChainNetworkComponents,
  parseStateAnswer,
  responseLimits,
  stateRequestTimeoutMs,
  type ChainNetworkEvents,
  type VoteHandler,
  type ConsensusHost,
  type ConsensusServices,
  type ConsensusServicesInit,
  consensusServices,
} from './network.js'
export { type BanScope, PeerGate, type PeerGateInit } from './peer-gate.js'
export {
  FinalityGadget,
  type FinalityGadgetComponents,
  type FinalityGadgetEvents,
  type FinalityGadgetInit,
  type FinalityNetwork,
  type VoteVerdict,
} from './finality/gadget.js'
export { buildJustification, decodeJustification, encodeJustification, type Justification, verifyJustification } from './finality/justification.js'
export { supermajority, VoteTally } from './finality/tally.js'
export { decodeVoteMessage, encodeVoteMessage, type SignedVote, signVote, type Vote, type VoteKind, verifyVote, votePayload } from './finality/vote.js'
export { EquivocationReporter, type EquivocationReporterComponents, type EquivocationReporterInit } from './equivocation-reporter.js'
export { HeartbeatSender, type HeartbeatSenderComponents, type HeartbeatSenderInit } from './heartbeat-sender.js'
export { SlotAuthor, type SlotAuthorComponents, type SlotAuthorInit } from './slot-author.js'
export { TransactionPropagation, type TransactionPropagationComponents, type TransactionPropagationInit } from './tx-propagation.js'
export { ChainSync, type ChainSyncComponents, type SyncStats } from './sync.js'
export type { UnknownBlockStats } from './sync-unknown-block.js'
export { StateSyncCarry, syncState, type StateSyncComponents, type StateSyncOptions, type StateSyncOutcome } from './state-sync.js'
export { type FinalityProofComponents, type FinalityProofOptions, proveFinalized, type ProvenFinalized } from './sync-finality-proof.js'
export {
  type DownloadedState,
  StateDownloadCarry,
  downloadState,
  type StateDownloadComponents,
  type StateDownloadOptions,
  type StateTarget,
} from './sync-state.js'
export { decodeBlock, decodeStatePair, encodeBlock, encodeStatePair, StateAnswer, type SyncRequest, type SyncStatus, type WireBlock } from './wire.js'
