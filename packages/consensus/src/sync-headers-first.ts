/**
 * Headers-first sync: a batch of the peer's best-chain headers is checked ({@link checkHeaders})
 * before any body is fetched, a peer whose headers fail is penalised; then the bodies of the
 * checked headers are fetched (spread over the peers that are as far, two requests ahead of
 * execution), matched against their headers' extrinsics roots, and each block is imported by
 * executing it. A peer that claimed a best block it then serves no headers or bodies for is
 * penalised ({@link Penalty.FALSE_CLAIM}); headers that pass the checks are reported as verified
 * (authoring waits only on those).
 */
import { TimeSlice } from '@crust-ts/base'
import { BlockImportError, decodeHeader, extrinsicsRoot, hashHeader } from '@crust-ts/chain'
import type { PeerId } from '@libp2p/interface'
import { u8aEq, u8aToHex } from '@polkadot/util'
import { MAX_BODIES_PER_REQUEST, MAX_HEADERS_PER_RESPONSE, Penalty } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import { type CheckedHeader, checkHeaders } from './sync-header-check.js'
import { SignaturesAhead } from './signatures-ahead.js'
import type { UnknownBlockSync, UnknownBlockSyncComponents } from './sync-unknown-block.js'
import type { SyncStatus } from './wire.js'

/** A peer's best block as it reported it in this round. */
export interface PeerStatus {
  peer: PeerId
  status: SyncStatus
}

/** What fetching the bodies of a chunk of checked headers gave: the bodies (a prefix) and a peer to penalise, if any. */
interface BodiesResult {
  bodies: Uint8Array[][]
  fault?: { peer: PeerId; reason: string }
  /** The peer that served the headers answered with no bodies for some of them. */
  withheld?: boolean
}

export class HeadersFirstSync {
  constructor(
    private readonly components: UnknownBlockSyncComponents,
    private readonly unknown: UnknownBlockSync,
  ) {}

  /**
   * Catches up with `peer` (best block `target`) headers first; 'legacy' when the peer does not
   * answer `headers` requests (an older node: range sync then).
   */
  async sync(peer: PeerId, target: number, helpers: PeerStatus[]): Promise<'done' | 'legacy'> {
    const { chain, network, log, signal } = this.components
    while (!signal.aborted && chain.best.number < target) {
      const before = chain.best.hashHex
      let headers: Uint8Array[]
      try {
        headers = await network.requestHeaders(peer, chain.best.number + 1, MAX_HEADERS_PER_RESPONSE, signal)
      } catch (err) {
        log.debug({ err, peer: peer.toString() }, 'headers request failed: syncing in block ranges')
        return 'legacy'
      }
      if (headers.length === 0) {
        // It claimed a best block above ours and serves no header above ours.
        if (chain.best.number < target) await network.penalise(peer, `claimed best ${target}, served no header above ${chain.best.number}`, Penalty.FALSE_CLAIM)
        break
      }
      let parentHash: Uint8Array
      try {
        parentHash = decodeHeader(headers[0]!).parentHash
      } catch {
        await network.penalise(peer, 'undecodable header')
        break
      }
      const parent = chain.blockByHash(parentHash)
      if (parent === undefined) {
        // The peer's chain forks below our best: fetch its block with the missing ancestors.
        if (!(await this.unknown.requestBlock(u8aToHex(hashHeader(headers[0]!)), peer)) || chain.best.hashHex === before) break
        continue
      }
      if (!chain.hasState(parent)) {
        // Headers on a block whose state this node pruned: below finality. If that block is on our
        // finalized chain, our best moved on while we asked (blocks came by gossip or by the finality
        // catch-up, and finality pruned it): the headers are stale, not false; ask again from our best.
        if (chain.isAncestor(parent, chain.finalized)) {
          if (chain.best.hashHex === before) break
          continue
        }
        // Otherwise they fork below finality and can never join our chain.
        await network.penalise(peer, `headers build on block ${parent.number}, a fork below finality`)
        break
      }
      const { checked, fault } = checkHeaders(parent, chain.slotOf(parent), chain.authoritiesFor(parent), headers)
      if (fault !== undefined) {
        log.debug({ peer: peer.toString(), fault, from: parent.number + 1 }, 'peer sent invalid headers')
        await network.penalise(peer, fault)
        break
      }
      if (checked.length > 0) this.components.verified?.(checked.at(-1)!.header.number)
      if (!(await this.importBodies(peer, checked, helpers)) || chain.best.hashHex === before) break
    }
    return 'done'
  }

  /**
   * Fetches the bodies of `checked` (in chunks, two requests ahead of execution, chunk i from the
   * i-th of `peer` and the helpers that are as far) and imports each block. False when a block
   * could not be fetched or imported.
   */
  private async importBodies(peer: PeerId, checked: CheckedHeader[], helpers: PeerStatus[]): Promise<boolean> {
    const { chain, network, log, signal } = this.components
    const chunks: CheckedHeader[][] = []
    for (let i = 0; i < checked.length; i += MAX_BODIES_PER_REQUEST) chunks.push(checked.slice(i, i + MAX_BODIES_PER_REQUEST))
    const fetchChunk = (i: number): Promise<BodiesResult> => {
      const chunk = chunks[i]!
      const last = chunk.at(-1)!.header.number
      const sources = [peer, ...helpers.filter((h) => h.status.best.number >= last && !network.isBanned(h.peer)).map((h) => h.peer)]
      return this.fetchBodies(chunk, sources[i % sources.length]!, peer)
    }
    const inFlight = chunks.slice(0, 2).map((_, i) => fetchChunk(i))
    const slice = new TimeSlice()
    for (let i = 0; i < chunks.length; i++) {
      const { bodies, fault, withheld } = await inFlight[i]!
      if (i + 2 < chunks.length) inFlight.push(fetchChunk(i + 2))
      const chunk = chunks[i]!
      const ahead = new SignaturesAhead(
        chain,
        bodies.map((extrinsics, j) => ({ header: chunk[j]!.bytes, extrinsics })),
      )
      for (const [j, extrinsics] of bodies.entries()) {
        if (signal.aborted) return false
        await ahead.before(j)
        if (signal.aborted) return false
        try {
          chain.importBlock(chunk[j]!.bytes, extrinsics)
        } catch (err) {
          if (!(err instanceof BlockImportError)) throw err
          if (err.invalid) await network.penalise(peer, err.code)
          else log.debug({ err, peer: peer.toString() }, 'synced block not imported')
          return false
        }
        // RPC, gossip and finality get their turns during a long catch-up.
        await slice.pause()
      }
      if (fault !== undefined) await network.penalise(fault.peer, fault.reason)
      else if (withheld === true) await network.penalise(peer, 'served headers, not their bodies', Penalty.FALSE_CLAIM)
      if (bodies.length < chunk.length) return false
    }
    return true
  }

  /**
   * The bodies of `chunk` from `source`, the rest from `peer` (which sent the headers) when `source`
   * has fewer; stops at a body that does not match its header's extrinsics root (that peer is the fault).
   */
  private async fetchBodies(chunk: CheckedHeader[], source: PeerId, peer: PeerId): Promise<BodiesResult> {
    const { network, log, signal } = this.components
    const bodies: Uint8Array[][] = []
    let withheld = false
    for (const from of source.equals(peer) ? [peer] : [source, peer]) {
      while (bodies.length < chunk.length && !signal.aborted) {
        let got: Uint8Array[][]
        try {
          got = await network.requestBodies(
            from,
            chunk.slice(bodies.length).map((h) => h.hash),
            signal,
          )
        } catch (err) {
          if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE) return { bodies, fault: { peer: from, reason: err.code } }
          log.debug({ err, peer: from.toString() }, 'bodies request failed')
          break
        }
        for (const extrinsics of got) {
          if (!u8aEq(extrinsicsRoot(extrinsics), chunk[bodies.length]!.header.extrinsicsRoot)) {
            return { bodies, fault: { peer: from, reason: 'body does not match its header' } }
          }
          bodies.push(extrinsics)
        }
        if (got.length === 0) {
          withheld = from.equals(peer)
          break
        }
      }
    }
    return { bodies, ...(withheld && bodies.length < chunk.length ? { withheld } : {}) }
  }
}
