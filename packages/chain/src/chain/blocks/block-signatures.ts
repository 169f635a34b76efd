/**
 * The signatures a run of blocks carries, with the payloads block import will check them against:
 * what {@link VerifiedSignatures.preverify} checks on worker threads before the blocks are imported
 * one by one. Best effort: a block or extrinsic that does not decode is skipped (import refuses it),
 * and a mortal transaction's birth block is looked up in the run itself (and the blocks `before`
 * it, not imported yet), then on the canonical chain; a guess from another fork only makes import check that signature itself.
 */
import type { DecodedExtrinsic } from '../../frame/extrinsic.js'
import { decodeExtrinsic, type ExtrinsicRuntime, signingPayload } from '../../frame/extrinsic.js'
import type { PendingSignature } from '../../frame/verified-signatures.js'
import { eraBirth } from '../../primitives/era.js'
import { decodeHeader, hashHeader } from '../../primitives/header.js'

export interface BlockBytes {
  header: Uint8Array
  extrinsics: readonly Uint8Array[]
}

export function signaturesOfBlocks(
  runtime: ExtrinsicRuntime,
  genesisHash: Uint8Array,
  canonicalHash: (number: number) => Uint8Array | undefined,
  blocks: readonly BlockBytes[],
  before: readonly BlockBytes[] = [],
): PendingSignature[] {
  const inRun = new Map<number, Uint8Array>()
  // The run's earlier blocks, not imported yet: only their hashes (birth blocks) are needed.
  for (const block of before) {
    try {
      inRun.set(decodeHeader(block.header).number, hashHeader(block.header))
    } catch {
      // import refuses it
    }
  }
  const pending: PendingSignature[] = []
  for (const block of blocks) {
    let header: ReturnType<typeof decodeHeader>
    try {
      header = decodeHeader(block.header)
    } catch {
      continue
    }
    inRun.set(header.number, hashHeader(block.header))
    const parentNumber = header.number - 1
    // The first extrinsic is the timestamp inherent.
    for (let i = 1; i < block.extrinsics.length; i++) {
      let xt: DecodedExtrinsic
      try {
        xt = decodeExtrinsic(runtime, block.extrinsics[i]!)
      } catch {
        continue
      }
      const signed = xt.signed
      if (signed === undefined) continue
      let birthHash: Uint8Array | undefined = genesisHash
      if (signed.era.kind !== 'immortal') {
        const birth = eraBirth(signed.era, parentNumber)
        if (birth === parentNumber) birthHash = header.parentHash
        else if (birth > parentNumber) birthHash = undefined
        else birthHash = inRun.get(birth) ?? canonicalHash(birth)
      }
      if (birthHash === undefined) continue
      pending.push({ xt: { ...xt, signed }, payload: signingPayload(runtime, xt, genesisHash, birthHash) })
    }
  }
  return pending
}
