/**
 * The finality proof state sync rests on: a peer's header chain from genesis up to a finalized
 * block, proved final without executing a block. Starting from the genesis voter set (this node's
 * genesis state), each voter set change is followed through the justification of the set's last
 * block (the gadget never finalizes past a set change, so that block is justified by the old set)
 * and the authority proof of that block's state, read under its header's state root (authority sets
 * are derived from the state, not announced in headers); the last justification, checked against
 * the set then in force, makes its block final, and the hash links make every header below it the
 * chain's. Only the justifications at set changes and the last one are checked (signatures cost);
 * the others are passed over. Header bytes held are bounded; what does not verify costs the peer a ban.
 */
import { type BlockRecord, type Chain, ChainError, ChainErrorCode, decodeHeader, hashHeader, type Header, type VoterSet } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { u8aEq, u8aToHex } from '@polkadot/util'
import { DEFAULT_MAX_STATE_SYNC_BYTES, MAX_HEADERS_PER_RESPONSE, MAX_JUSTIFICATION_SCAN, MAX_JUSTIFICATIONS_PER_RESPONSE, Penalty } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import { decodeJustification, type Justification, verifyJustification } from './finality/justification.js'
import type { ChainNetwork } from './network.js'

export interface FinalityProofComponents {
  chain: Chain
  network: Pick<ChainNetwork, 'requestHeaders' | 'requestJustifications' | 'requestAuthorityProof' | 'penalise'>
  log: Logger
  signal?: AbortSignal
}

/** A block proved final from genesis: the canonical headers from block 1 up to it, its justification, and the set changes followed. */
export interface ProvenFinalized {
  target: BlockRecord
  headers: Uint8Array[]
  justification: Uint8Array
  setChanges: number
}

export interface FinalityProofOptions {
  /** Most bytes of headers held ({@link DEFAULT_MAX_STATE_SYNC_BYTES}). */
  maxHeaderBytes?: number
}

/**
 * Proves `peer`'s chain final up to its highest justified block at or below `finalized` (its claimed
 * finalized block). Throws {@link ConsensusError}: `BAD_FINALITY_PROOF` (peer banned), `SYNC_FAILED`
 * (a request failed, or the peer does not serve what it claimed; penalised then).
 */
export async function proveFinalized(
  components: FinalityProofComponents,
  peer: PeerId,
  finalized: number,
  options: FinalityProofOptions = {},
): Promise<ProvenFinalized> {
  const { chain, network, log, signal } = components
  const fail = async (why: string): Promise<never> => {
    await network.penalise(peer, `finality proof: ${why}`)
    throw new ConsensusError(ConsensusErrorCode.BAD_FINALITY_PROOF, `the finality proof of ${peer.toString()}: ${why}`, { peer: peer.toString() })
  }
  const withheld = async (why: string): Promise<never> => {
    await network.penalise(peer, why, Penalty.FALSE_CLAIM)
    throw new ConsensusError(ConsensusErrorCode.SYNC_FAILED, why, { peer: peer.toString() })
  }

  // 1. The header chain from genesis, hash-linked (what it is worth comes from the justifications).
  const maxBytes = options.maxHeaderBytes ?? DEFAULT_MAX_STATE_SYNC_BYTES
  const headers: Uint8Array[] = []
  const hashes: Uint8Array[] = []
  const decoded: Header[] = []
  let held = 0
  let parent = chain.genesis.hash
  while (headers.length < finalized) {
    const batch = await network.requestHeaders(peer, headers.length + 1, Math.min(MAX_HEADERS_PER_RESPONSE, finalized - headers.length), signal)
    if (batch.length === 0) await withheld(`claimed finalized ${finalized}, served headers up to ${headers.length}`)
    for (const bytes of batch.slice(0, finalized - headers.length)) {
      let header: Header
      try {
        header = decodeHeader(bytes)
      } catch {
        return fail('an undecodable header')
      }
      if (header.number !== headers.length + 1 || !u8aEq(header.parentHash, parent)) await fail(`header ${headers.length + 1} does not link to its parent`)
      held += bytes.length
      if (held > maxBytes) throw new ConsensusError(ConsensusErrorCode.STATE_TOO_LARGE, `headers beyond ${maxBytes} bytes`, { peer: peer.toString() })
      parent = hashHeader(bytes)
      headers.push(bytes)
      hashes.push(parent)
      decoded.push(header)
    }
  }
  const recordAt = (n: number): BlockRecord => ({ hash: hashes[n - 1]!, hashHex: u8aToHex(hashes[n - 1]!), header: decoded[n - 1]!, number: n })

  // 2. The voter sets from genesis, through the justifications.
  let set: VoterSet = chain.votersFor(chain.genesis)
  let last: { j: Justification; bytes: Uint8Array } | undefined
  let setChanges = 0
  const check = async (j: Justification, against: VoterSet): Promise<void> => {
    try {
      verifyJustification(chain, against, j)
    } catch (err) {
      await fail(err instanceof Error ? err.message : String(err))
    }
  }
  let from = 1
  while (from <= finalized) {
    if (signal?.aborted === true) throw new ConsensusError(ConsensusErrorCode.SYNC_FAILED, 'aborted', { peer: peer.toString() })
    const batch = await network.requestJustifications(peer, from, MAX_JUSTIFICATIONS_PER_RESPONSE, signal)
    if (batch.length === 0) {
      from += MAX_JUSTIFICATION_SCAN
      continue
    }
    for (const bytes of batch) {
      let j: Justification
      try {
        j = decodeJustification(bytes)
      } catch {
        return fail('an undecodable justification')
      }
      if (j.number < from) await fail('justifications not ascending')
      from = j.number + 1
      if (j.number > finalized) break
      if (j.hash !== u8aToHex(hashes[j.number - 1]!)) await fail(`the justification of block ${j.number} is for another block than its header's`)
      if (j.setId !== set.setId) {
        // The set changed at the last block the old set justified: its state names the new set.
        // A peer that joined by state sync itself holds no justification below its sync point: it
        // cannot prove the history, which is no offence.
        if (last === undefined)
          throw new ConsensusError(
            ConsensusErrorCode.SYNC_FAILED,
            `${peer.toString()} holds no justification of set ${set.setId}: it cannot prove the history`,
            {
              peer: peer.toString(),
            },
          )
        await check(last.j, set)
        const block = recordAt(last.j.number)
        const proof = await network.requestAuthorityProof(peer, block.hash, signal)
        if (proof === undefined)
          throw new ConsensusError(ConsensusErrorCode.SYNC_FAILED, `no authority proof of block ${block.number}`, { peer: peer.toString() })
        try {
          set = chain.verifyAuthorityProof(block, proof).voters
        } catch (err) {
          if (err instanceof ChainError && err.code === ChainErrorCode.AUTHORITY_PROOF_INVALID) return fail(err.message)
          throw err
        }
        if (set.setId !== j.setId) await fail(`the state of block ${block.number} names set ${set.setId}, the next justification is of set ${j.setId}`)
        setChanges++
      }
      last = { j, bytes }
    }
  }
  if (last === undefined) return withheld(`claimed finalized ${finalized}, served no justification`)
  await check(last.j, set)
  const target = recordAt(last.j.number)
  log.info({ peer: peer.toString(), block: target.number, setChanges }, 'proved finality from genesis')
  return { target, headers: headers.slice(0, target.number), justification: last.bytes, setChanges }
}
