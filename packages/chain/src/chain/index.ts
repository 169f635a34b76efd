/** The chain layer: block tree, block import (header checks, execution), production, equivocations, storage and finality. */
export { type AuthoritySet, eraAuthorities, genesisAuthorities, type Voter, type VoterSet } from './authorities.js'
export { checkHeaderLink, checkSeal, checkSlot, checkSlotNotFuture, type HeaderParent } from './blocks/verify-header.js'
export { Chain } from './chain.js'
export {
  type BlockId,
  BlockImportError,
  BlockImportErrorCode,
  type BlockImportErrorType,
  ChainError,
  ChainErrorCode,
  FinalityError,
  FinalityErrorCode,
} from './errors.js'
export { compareHeads, isBetterHead } from './fork-choice.js'
export type { BlockEquivocation, BlockRecord, ChainEvents, ImportedBlock, ImportResult, Reorg, StateView, TransactionSource } from './interface.js'
export type { ChainInit, FinalityMode, ProduceBlockOptions } from './options.js'
export type { StateChunk, StateChunkLimits, SyncedState } from './state-sync.js'
export type { ProvenAuthorities } from './authority-proof.js'
