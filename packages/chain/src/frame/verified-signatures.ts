/**
 * Signatures this node has already checked, so a transaction is verified once per node: when it
 * enters the pool (from RPC or a peer) and not again when a block carrying the same bytes is
 * imported. An entry is the blake2-256 of the extrinsic's hash (the hash of its full bytes: signer,
 * signature, era, nonce, tip, call) followed by the exact payload the signature was checked
 * against (call, extra, spec and transaction versions, genesis and birth block hashes): a hit means
 * this very signature was valid over this very payload, on any fork. Only successes are kept, so a
 * forged or altered extrinsic always reaches the real check. Nonce, era and fees are not cached:
 * they are checked again when the extrinsic is applied.
 *
 * Batches can be checked ahead on worker threads ({@link VerifiedSignatures.preverify}): the pool
 * and block import then find them here.
 */
import { u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { type DecodedExtrinsic, type SignedPart, verifySignature } from './extrinsic.js'
import type { SignatureWorkers } from './signature-workers.js'
import { concatBytes } from '../primitives/hashing.js'

/** A signed extrinsic and the payload its signature should cover. */
export interface PendingSignature {
  xt: DecodedExtrinsic & { signed: SignedPart }
  payload: Uint8Array
}

/**
 * Default bound: above the pool's default capacity (8,192 ready + 2,048 future), so a transaction
 * pooled here is still known when the block that includes it arrives.
 */
export const DEFAULT_VERIFIED_SIGNATURES = 16_384

/** Most invalid checks {@link VerifiedSignatures.preverify} keeps for the `verify` that follows. */
const MAX_REFUTED = 1024

export class VerifiedSignatures {
  /** Entry keys (0x-hex), oldest first; the oldest leave past `capacity`. */
  private readonly known = new Set<string>()
  private hitCount = 0
  /**
   * Keys {@link preverify} found invalid, until `verify` asks for them once: a worker's "invalid"
   * spares that check a second run (the key binds the extrinsic's bytes and the payload, so the
   * answer cannot differ). Bounded; an entry that leaves early only costs a check.
   */
  private readonly refuted = new Set<string>()

  constructor(readonly capacity = DEFAULT_VERIFIED_SIGNATURES) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity: expected a whole number >= 0, got ${capacity}`)
  }

  /** Checks `xt`'s signature over `payload` (its signing payload), unless this node already found it valid. */
  verify(xt: DecodedExtrinsic & { signed: SignedPart }, payload: Uint8Array): boolean {
    const key = keyOf(xt, payload)
    if (this.known.has(key)) {
      this.hitCount++
      return true
    }
    if (this.refuted.delete(key)) return false
    if (!verifySignature(xt.signed, payload)) return false
    this.remember(key)
    return true
  }

  /**
   * Checks, on `workers`' threads beside this one, the signatures of `pending` this node has not
   * found valid yet, and keeps the valid ones: the `verify` that follows (pool admission, block
   * import) finds them known. Invalid ones are not kept, so `verify` checks them again and refuses
   * them there. A wrong payload (a guessed birth block of another fork) is only a miss.
   */
  async preverify(pending: readonly PendingSignature[], workers: SignatureWorkers, options: { callerShare?: boolean } = {}): Promise<void> {
    if (!workers.parallel || this.capacity === 0) return
    // Ahead of other work, with no thread loaded yet: the checks would all run here, before that work.
    if (options.callerShare === false && !workers.ready) {
      workers.warm()
      return
    }
    const keys: string[] = []
    const checks: Parameters<SignatureWorkers['verifyAll']>[0][number][] = []
    const seen = new Set<string>()
    for (const { xt, payload } of pending) {
      const key = keyOf(xt, payload)
      if (this.known.has(key) || seen.has(key)) continue
      seen.add(key)
      keys.push(key)
      checks.push({ ...xt.signed, payload })
    }
    if (checks.length === 0) return
    const valid = await workers.verifyAll(checks, options)
    for (let i = 0; i < keys.length; i++) {
      if (valid[i] === true) this.remember(keys[i]!)
      else {
        this.refuted.add(keys[i]!)
        if (this.refuted.size > MAX_REFUTED) this.refuted.delete(this.refuted.values().next().value!)
      }
    }
  }

  private remember(key: string): void {
    if (this.capacity === 0) return
    this.known.delete(key)
    this.known.add(key)
    if (this.known.size > this.capacity) this.known.delete(this.known.values().next().value!)
  }

  /** How many checks the cache answered (a measure of work saved). */
  get hits(): number {
    return this.hitCount
  }

  get size(): number {
    return this.known.size
  }
}

function keyOf(xt: DecodedExtrinsic, payload: Uint8Array): string {
  return u8aToHex(blake2AsU8a(concatBytes(xt.hash, payload), 256))
}
