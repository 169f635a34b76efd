/**
 * Import checks of a block built elsewhere, before its body is executed: the header decodes, its
 * parent is known, it is on a chain containing the last finalized block, and it passes the header
 * checks (number, Aura slot after the parent's and not in the future, the slot author's seal);
 * the body matches the header's extrinsics root.
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import { findSlot, slotOf } from '../../primitives/aura.js'
import { decodeExact } from '../../primitives/codec/decode.js'
import { extrinsicsRoot, type Header, hashHeader, headerType } from '../../primitives/header.js'
import type { BlockTree } from '../block-tree.js'
import { type BlockId, BlockImportError, BlockImportErrorCode as Code } from '../errors.js'
import type { BlockRecord } from '../interface.js'
import { checkHeaderLink, checkSeal, checkSlot, checkSlotNotFuture } from './verify-header.js'

/** What {@link verifyBlock} needs of the chain. */
export interface VerifyBlockContext {
  tree: BlockTree
  /** The slot authors for blocks built on `parent`. */
  authoritiesFor(parent: BlockRecord): readonly Uint8Array[]
  blockTimeMs: number
  maxSlotDrift: number
  clock(): number
}

/** A block whose header passed the import checks. */
export interface VerifiedBlock {
  status: 'verified'
  header: Header
  hash: Uint8Array
  id: BlockId
  parent: BlockRecord
  slot: number
  /** The slot's author, who sealed it. */
  author: Uint8Array
}

/** Runs the import checks; a block already imported is returned as `known`. Throws {@link BlockImportError}. */
export function verifyBlock(
  ctx: VerifyBlockContext,
  headerBytes: Uint8Array,
  extrinsics: Uint8Array[],
): VerifiedBlock | { status: 'known'; block: BlockRecord } {
  const { tree } = ctx
  let header: Header
  try {
    header = decodeExact(headerType.codec, headerBytes, 'header')
  } catch (err) {
    throw new BlockImportError({ code: Code.BAD_ENCODING }, 'the header does not decode', { cause: err })
  }
  const hash = hashHeader(headerBytes)
  const known = tree.blockByHash(hash)
  if (known !== undefined) return { status: 'known', block: known }
  const id: BlockId = { hash: u8aToHex(hash), number: header.number }
  const parent = tree.blockByHash(header.parentHash)
  if (parent === undefined) throw new BlockImportError({ code: Code.UNKNOWN_PARENT, ...id, parent: u8aToHex(header.parentHash) }, 'unknown parent block')
  checkHeaderLink(header, id, parent)
  if (!tree.descendsFrom(parent, tree.finalized)) {
    throw new BlockImportError({ code: Code.NOT_DESCENDANT_OF_FINALIZED, ...id }, 'the block is not on a chain containing the finalized block')
  }
  const slot = checkSlot(header, id, findSlot(parent.header))
  checkSlotNotFuture(slot, id, slotOf(ctx.clock(), ctx.blockTimeMs), ctx.maxSlotDrift)
  const author = checkSeal(header, id, slot, ctx.authoritiesFor(parent))
  if (!u8aEq(extrinsicsRoot(extrinsics), header.extrinsicsRoot)) {
    throw new BlockImportError({ code: Code.EXTRINSICS_ROOT_MISMATCH, ...id }, 'the extrinsics root does not match the body')
  }
  return { status: 'verified', header, hash, id, parent, slot, author }
}
