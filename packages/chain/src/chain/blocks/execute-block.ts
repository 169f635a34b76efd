/**
 * Re-executes an imported block's body on its parent's state: the timestamp inherent first (in the
 * header's slot, canonical), then each signed extrinsic (decodes, signed against the block's own
 * ancestry, applies); the result must be the header's state root.
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import { type DecodedExtrinsic, decodeExtrinsic, signingPayload, verifySignature } from '../../frame/extrinsic.js'
import { OverlayState } from '../../frame/overlay.js'
import type { VerifiedSignatures } from '../../frame/verified-signatures.js'
import { BlockHash } from '../../pallets/system.js'
import { slotOf } from '../../primitives/aura.js'
import { eraBirth } from '../../primitives/era.js'
import { BlockExecutor } from '../../runtime/executive.js'
import type { Runtime } from '../../runtime/runtime.js'
import type { BlockTree } from '../block-tree.js'
import { blockRecord } from '../block-tree.js'
import { type BlockId, BlockImportError, BlockImportErrorCode as Code } from '../errors.js'
import type { BlockRecord, ImportedBlock, StateView, TrieNodes } from '../interface.js'
import type { VerifiedBlock } from './verify-block.js'

/** What {@link executeBlock} needs of the chain. */
export interface ExecuteBlockContext {
  tree: BlockTree
  runtime: Runtime
  /** Signatures this node already checked (pool admission): an extrinsic with a hit is not checked again. */
  signatures?: VerifiedSignatures
}

/** Executes a verified block; throws {@link BlockImportError} unless it gives the header's state root. */
export function executeBlock(
  ctx: ExecuteBlockContext,
  verified: VerifiedBlock,
  extrinsics: Uint8Array[],
): { imported: ImportedBlock; nodes: TrieNodes; deleted: Uint8Array[] } {
  const { tree, runtime } = ctx
  const { header, hash, parent, author, slot, id } = verified
  const parentState = tree.stateAt(parent)
  const overlay = new OverlayState((key) => parentState.get(key))
  const timestamp = timestampOf(runtime, extrinsics[0], id)
  if (slotOf(timestamp, runtime.config.blockTimeMs) !== slot) {
    throw new BlockImportError({ code: Code.BAD_TIMESTAMP, ...id }, `the timestamp ${timestamp} is not in slot ${slot}`)
  }
  const exec = new BlockExecutor(runtime, overlay, { number: header.number, parentHash: parent.hash, author, timestamp })
  exec.initialize()
  let inherent: Uint8Array
  try {
    inherent = exec.applyInherents()
  } catch (err) {
    throw new BlockImportError({ code: Code.BAD_TIMESTAMP, ...id }, 'the timestamp inherent fails', { cause: err })
  }
  if (!u8aEq(inherent, extrinsics[0]!)) throw new BlockImportError({ code: Code.BAD_TIMESTAMP, ...id }, 'the timestamp inherent is not canonical')
  const applied: ImportedBlock['applied'] = []
  for (let i = 1; i < extrinsics.length; i++) {
    const xt = checkSigned(ctx, extrinsics[i]!, parent, parentState, id, i)
    const outcome = exec.applySigned(xt)
    if (!outcome.included) throw new BlockImportError({ code: Code.BAD_EXTRINSIC, ...id, index: i }, `extrinsic ${i} cannot be applied (${outcome.reason})`)
    applied.push({ xt, outcome })
  }
  exec.finalize()
  const changes = overlay.drain()
  const { root, nodes, deleted } = tree.trie.commit(parent.header.stateRoot, changes)
  if (!u8aEq(root, header.stateRoot)) {
    throw new BlockImportError(
      {
        code: Code.STATE_ROOT_MISMATCH,
        ...id,
        expected: u8aToHex(header.stateRoot),
        got: u8aToHex(root),
        calls: [
          'Timestamp.set',
          ...applied.map(({ xt, outcome }) => `${callName(xt)}${outcome.included && !outcome.success ? ` failed ${JSON.stringify(outcome.error)}` : ''}`),
        ],
        changedKeys: changes.length,
        changes: changes.slice(0, MAX_REPORTED_CHANGES).map(([k, v]) => [u8aToHex(k), v === null || v === undefined ? null : shortHex(v)]),
      },
      'executing the block gives another state root',
    )
  }
  const imported: ImportedBlock = { block: blockRecord(hash, header), extrinsics, changedKeys: new Set(changes.map(([k]) => u8aToHex(k))), applied }
  return { imported, nodes, deleted }
}

/** How many changed keys a state-root mismatch lists (the rest are counted). */
const MAX_REPORTED_CHANGES = 400

/** A value's hex, cut in the middle past 512 digits (enough to compare two nodes' writes). */
const shortHex = (v: Uint8Array): string => {
  const hex = u8aToHex(v)
  return hex.length <= 514 ? hex : `${hex.slice(0, 258)}…(${v.length} bytes)…${hex.slice(-256)}`
}

/** `Pallet.call` of an extrinsic, with its signer when signed. */
function callName(xt: DecodedExtrinsic): string {
  const call = xt.call as { tag?: string; value?: { tag?: string } }
  const name = `${call.tag ?? '?'}.${call.value?.tag ?? '?'}`
  return xt.signed === undefined ? name : `${name} by ${u8aToHex(xt.signed.signer)} nonce ${xt.signed.nonce}`
}

/** The timestamp the block's first extrinsic (the timestamp inherent) sets. */
function timestampOf(runtime: Runtime, first: Uint8Array | undefined, id: BlockId): bigint {
  if (first === undefined) throw new BlockImportError({ code: Code.BAD_TIMESTAMP, ...id }, 'no timestamp inherent')
  let xt: DecodedExtrinsic
  try {
    xt = decodeExtrinsic(runtime, first)
  } catch (err) {
    throw new BlockImportError({ code: Code.BAD_TIMESTAMP, ...id }, 'the first extrinsic does not decode', { cause: err })
  }
  const call = xt.call as { tag: string; value: { tag: string; value: { now?: unknown } } }
  if (xt.signed !== undefined || call.tag !== 'Timestamp' || call.value.tag !== 'set' || typeof call.value.value.now !== 'bigint') {
    throw new BlockImportError({ code: Code.BAD_TIMESTAMP, ...id }, 'the first extrinsic is not the timestamp inherent')
  }
  return call.value.value.now
}

/** Decodes a block's signed extrinsic and verifies its signature against the block's own ancestry. */
function checkSigned(ctx: ExecuteBlockContext, bytes: Uint8Array, parent: BlockRecord, parentState: StateView, id: BlockId, index: number): DecodedExtrinsic {
  const { runtime, tree } = ctx
  let xt: DecodedExtrinsic
  try {
    xt = decodeExtrinsic(runtime, bytes)
  } catch (err) {
    throw new BlockImportError({ code: Code.BAD_EXTRINSIC, ...id, index }, 'an extrinsic does not decode', { cause: err })
  }
  const signed = xt.signed
  if (signed === undefined || runtime.callInfo(xt.call).class === 'Mandatory') {
    throw new BlockImportError({ code: Code.BAD_EXTRINSIC, ...id, index }, 'an unsigned or mandatory extrinsic after the inherent')
  }
  let birthHash: Uint8Array | undefined = tree.genesis.hash
  if (signed.era.kind !== 'immortal') {
    const birth = eraBirth(signed.era, parent.number)
    if (birth === parent.number) birthHash = parent.hash
    else if (birth > parent.number) birthHash = undefined
    else birthHash = BlockHash.get(parentState, birth)
  }
  const valid = (payload: Uint8Array) => (ctx.signatures === undefined ? verifySignature(signed, payload) : ctx.signatures.verify({ ...xt, signed }, payload))
  if (birthHash === undefined || !valid(signingPayload(runtime, xt, tree.genesis.hash, birthHash))) {
    throw new BlockImportError({ code: Code.BAD_EXTRINSIC, ...id, index }, 'an extrinsic has a bad signature')
  }
  return xt
}
