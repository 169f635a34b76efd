/**
 * Block production: a block on `parent` from the timestamp inherent and a source's transactions,
 * in the slot of the timestamp (or a requested one), sealed with Aura's slot digest and seal when
 * a signer is given.
 */
import { u8aToHex } from '@polkadot/util'
import type { DecodedExtrinsic } from '../../frame/extrinsic.js'
import { OverlayState } from '../../frame/overlay.js'
import { Now } from '../../pallets/timestamp.js'
import { auraPreDigest, findSlot, sealHeader, slotOf } from '../../primitives/aura.js'
import { encodeHeader, extrinsicsRoot, type Header, hashHeader } from '../../primitives/header.js'
import { BlockExecutor } from '../../runtime/executive.js'
import type { Runtime } from '../../runtime/runtime.js'
import { type BlockTree, blockRecord } from '../block-tree.js'
import { ChainError, ChainErrorCode } from '../errors.js'
import type { BlockRecord, ImportedBlock, TransactionSource, TrieNodes } from '../interface.js'
import type { ProduceBlockOptions } from '../options.js'

/**
 * Transactions that do not fit the block (`full`) skipped before the block is closed: a large one
 * must not keep the smaller ones behind it out (Substrate's proposer, MAX_SKIPPED_TRANSACTIONS).
 */
export const MAX_SKIPPED_TRANSACTIONS = 8

/** What {@link produceBlock} needs of the chain. */
export interface ProduceBlockContext {
  tree: BlockTree
  runtime: Runtime
}

/** A block built by {@link produceBlock}, ready to store. */
export interface ProducedBlock {
  imported: ImportedBlock
  headerBytes: Uint8Array
  nodes: TrieNodes
  /** The parent state's trie nodes the block's state no longer holds (for pruning). */
  deleted: Uint8Array[]
  parent: BlockRecord
  slot: number
}

/** Builds (does not store) a block on `options.parent` (default the best block). Throws {@link ChainError}. */
export function produceBlock(
  ctx: ProduceBlockContext,
  author: Uint8Array,
  source: Iterable<DecodedExtrinsic> & Partial<Pick<TransactionSource, 'reject'>>,
  now: number,
  options: ProduceBlockOptions,
): ProducedBlock {
  const { tree, runtime } = ctx
  const parent = options.parent ?? tree.best
  const number = parent.number + 1
  const parentState = tree.stateAt(parent)
  const overlay = new OverlayState((key) => parentState.get(key))
  const blockTime = runtime.config.blockTimeMs
  const previous = Now.get(overlay)
  const minimumGap = BigInt(Math.floor(blockTime / 2))
  let timestamp = previous === 0n || BigInt(now) >= previous + minimumGap ? BigInt(now) : previous + minimumGap
  const parentSlot = findSlot(parent.header)
  let slot = slotOf(timestamp, blockTime)
  if (options.slot !== undefined) {
    if (parentSlot !== undefined && options.slot <= parentSlot) {
      throw new ChainError(ChainErrorCode.SLOT_NOT_INCREASING, `slot ${options.slot} is not after the best block's slot ${parentSlot}`)
    }
    if (timestamp < BigInt(options.slot * blockTime)) timestamp = BigInt(options.slot * blockTime)
    if (slotOf(timestamp, blockTime) !== options.slot) {
      throw new ChainError(ChainErrorCode.SLOT_PASSED, `slot ${options.slot} has passed (the earliest timestamp is in slot ${slotOf(timestamp, blockTime)})`)
    }
    slot = options.slot
  } else if (parentSlot !== undefined && slot <= parentSlot) {
    slot = parentSlot + 1
    timestamp = BigInt(slot * blockTime)
  }
  const exec = new BlockExecutor(runtime, overlay, { number, parentHash: parent.hash, author, timestamp })
  exec.initialize()
  exec.applyInherents()
  const applied: ImportedBlock['applied'] = []
  let skipped = 0
  for (const xt of source) {
    const outcome = exec.applySigned(xt)
    applied.push({ xt, outcome })
    if (!outcome.included) {
      source.reject?.(xt, outcome)
      if (outcome.reason === 'full' && skipped++ >= MAX_SKIPPED_TRANSACTIONS) break
    }
  }
  exec.finalize()
  const changes = overlay.drain()
  const { root, nodes, deleted } = tree.trie.commit(parent.header.stateRoot, changes)
  let header: Header = {
    parentHash: parent.hash,
    number,
    stateRoot: root,
    extrinsicsRoot: extrinsicsRoot(exec.extrinsics),
    digest: options.signer === undefined ? [] : [auraPreDigest(slot)],
  }
  if (options.signer !== undefined) header = sealHeader(header, options.signer)
  const headerBytes = encodeHeader(header)
  const imported: ImportedBlock = {
    block: blockRecord(hashHeader(headerBytes), header),
    extrinsics: exec.extrinsics,
    changedKeys: new Set(changes.map(([k]) => u8aToHex(k))),
    applied,
  }
  return { imported, headerBytes, nodes, deleted, parent, slot }
}
