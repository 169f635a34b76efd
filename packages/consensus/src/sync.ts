/**
 * Sync: asks peers for their best block and downloads what this node misses headers first: a batch
 * of the peer's best-chain headers is checked (each links to its parent, numbers consecutive, an
 * Aura slot that increases and a seal of an authority) before any body is fetched, a peer whose
 * headers fail is penalised; then the bodies of the checked headers are fetched (spread over the
 * peers that are as far, two requests ahead of execution), matched against their headers'
 * extrinsics roots and each block is imported by executing it. A peer that does not speak the
 * `headers` request (an older node) is synced in block ranges as before. Connects orphan gossiped blocks by fetching their ancestors. Runs on
 * start, when a peer connects, after an orphan, and every {@link SYNC_INTERVAL_MS}. A peer's best
 * block of the same height as ours but unknown here (another fork of equal length, e.g. after a
 * partition heals) is fetched too, so fork choice sees both heads; so are blocks others vote for
 * ({@link ChainSync.requestBlock}).
 */
import { type BlockRecord, BlockImportError, type Chain, decodeHeader, extrinsicsRoot, findSlot, type Header, hashHeader, slotAuthor, unsealHeader, verifySeal } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a, u8aEq, u8aToHex } from '@polkadot/util'
import {
  MAX_ANCESTOR_FETCH,
  MAX_BLOCKS_PER_RESPONSE,
  MAX_BODIES_PER_REQUEST,
  MAX_HEADERS_PER_RESPONSE,
  MAX_JUSTIFICATIONS_PER_RESPONSE,
  SYNC_INTERVAL_MS,
} from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { ChainNetwork } from './network.js'
import type { SyncStatus, WireBlock } from './wire.js'

/** A peer's header that passed the header checks: its bytes, decoded form and hash. */
export interface CheckedHeader {
  bytes: Uint8Array
  header: Header
  hash: Uint8Array
}

/** The outcome of {@link checkHeaders}: the headers that passed, in order, and why the rest did not (when it is the peer's fault). */
export interface HeaderCheck {
  checked: CheckedHeader[]
  /** Set when a header is certainly invalid: the peer is penalised and the batch dropped. */
  fault?: string
}

/**
 * Checks a peer's batch of consecutive headers on `parent` before any body is fetched: each decodes,
 * links to the previous one (`parent` for the first), has the next number, an Aura slot above the
 * previous one and an Aura seal. The first header's seal must be its slot author's under
 * `authorities` (the set for blocks on `parent`, exactly what import checks); a later header's seal
 * must be its slot author's or, at least, one of `authorities`' (the set may change inside the
 * batch). A later header sealed by none of them may be from a new authority set: the batch stops
 * before it without fault (it comes first in the next batch, checked exactly then).
 */
export function checkHeaders(parent: BlockRecord, parentSlot: number | undefined, authorities: readonly Uint8Array[], headers: Uint8Array[]): HeaderCheck {
  const checked: CheckedHeader[] = []
  let prev = { hash: parent.hash, number: parent.number, slot: parentSlot ?? -1 }
  for (const [i, bytes] of headers.entries()) {
    let header: Header
    try {
      header = decodeHeader(bytes)
    } catch {
      return { checked: [], fault: 'undecodable header' }
    }
    if (header.number !== prev.number + 1) return { checked: [], fault: 'header numbers not consecutive' }
    if (!u8aEq(header.parentHash, prev.hash)) return { checked: [], fault: 'header does not link to its parent' }
    const slot = findSlot(header)
    if (slot === undefined) return { checked: [], fault: 'header without an Aura slot' }
    if (slot <= prev.slot) return { checked: [], fault: 'header slot does not increase' }
    const sealed = unsealHeader(header)
    if (sealed === undefined) return { checked: [], fault: 'header without a seal' }
    const author = authorities.length === 0 ? undefined : slotAuthor(slot, authorities)
    if (author === undefined || !verifySeal(sealed.preHeader, sealed.signature, author)) {
      if (i === 0) return { checked: [], fault: 'header seal is not its slot author' }
      if (!authorities.some((a) => a !== author && verifySeal(sealed.preHeader, sealed.signature, a))) break
    }
    const hash = hashHeader(bytes)
    checked.push({ bytes, header, hash })
    prev = { hash, number: header.number, slot }
  }
  return { checked }
}

/** A peer's best block as it reported it in this round. */
interface PeerStatus {
  peer: PeerId
  status: SyncStatus
}

/** What fetching the bodies of a chunk of checked headers gave: the bodies (a prefix) and a peer to penalise, if any. */
interface BodiesResult {
  bodies: Uint8Array[][]
  fault?: { peer: PeerId; reason: string }
}

export interface ChainSyncComponents {
  chain: Chain
  network: ChainNetwork
  logger: ComponentLogger
  /** Verifies and applies a peer's justification (the finality gadget); false when its block is unknown. */
  importJustification?(bytes: Uint8Array): boolean
}

export class ChainSync {
  private readonly log: Logger
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private readonly abort = new AbortController()
  /** The highest best block number a peer reported in the last sync round. */
  private peerBest = 0
  /** Blocks being fetched by hash (0x hex). */
  private readonly fetching = new Set<string>()

  constructor(private readonly components: ChainSyncComponents) {
    this.log = components.logger.forComponent('consensus:sync')
  }

  start(): void {
    const { network } = this.components
    network.on('orphan', (peer, block) => {
      this.connectOrphan(peer, block).catch((err: unknown) => this.log.debug({ err }, 'orphan block not connected'))
    })
    this.timer = setInterval(() => this.trigger(), SYNC_INTERVAL_MS)
    this.timer.unref()
    this.trigger()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.abort.abort()
    await this.running?.catch(() => {})
  }

  /** Whether a peer has reported a best block more than one ahead of ours (authoring waits then). */
  get behind(): boolean {
    return this.peerBest > this.components.chain.best.number + 1
  }

  /** Runs a sync round now (or right after the current one). */
  trigger(): void {
    if (this.abort.signal.aborted) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.round()
      .catch((err: unknown) => this.log.debug({ err }, 'sync round failed'))
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.trigger()
        }
      })
  }

  /**
   * Fetches block `hash` (0x hex) and its missing ancestors, from `from` first, then from the other
   * peers; nothing when the block is known or already being fetched. Resolves to whether the
   * block is known afterwards.
   */
  async requestBlock(hash: string, from?: PeerId): Promise<boolean> {
    const { chain, network } = this.components
    if (!BLOCK_HASH.test(hash)) return false
    const bytes = hexToU8a(hash)
    if (chain.blockByHash(bytes) !== undefined) return true
    if (this.fetching.has(hash) || this.abort.signal.aborted) return false
    this.fetching.add(hash)
    try {
      const peers = network.peers()
      const ordered = from === undefined ? peers : [from, ...peers.filter((p) => !p.equals(from))]
      for (const peer of ordered) {
        if (this.abort.signal.aborted) return false
        try {
          if (await this.fetchChain(peer, bytes)) {
            this.log.debug({ hash, peer: peer.toString() }, 'fetched a block by hash')
            return true
          }
        } catch (err) {
          this.log.debug({ err, hash, peer: peer.toString() }, 'block fetch failed')
        }
      }
      return false
    } finally {
      this.fetching.delete(hash)
    }
  }

  /** Catches up with every peer that is ahead, one at a time. */
  private async round(): Promise<void> {
    const { chain, network } = this.components
    const signal = this.abort.signal
    const statuses: PeerStatus[] = []
    for (const peer of network.peers()) {
      if (signal.aborted) return
      try {
        const status = await network.requestStatus(peer, signal)
        if (status.genesis === chain.genesis.hashHex) statuses.push({ peer, status })
      } catch {}
    }
    let peerBest = 0
    for (const { peer, status } of statuses) {
      if (signal.aborted) return
      if (network.isBanned(peer)) continue
      peerBest = Math.max(peerBest, status.best.number)
      this.peerBest = Math.max(this.peerBest, peerBest)
      // Another head of the same height: fetch it, fork choice decides between the two.
      if (status.best.number === chain.best.number && status.best.hash !== chain.best.hashHex) await this.requestBlock(status.best.hash, peer)
      if (status.best.number <= chain.best.number) {
        if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number, signal)
        continue
      }
      const started = chain.best.number
      const helpers = statuses.filter((s) => !s.peer.equals(peer))
      if ((await this.syncHeadersFirst(peer, status.best.number, helpers, signal)) === 'legacy') await this.syncRanges(peer, status.best.number, signal)
      if (chain.best.number > started) this.log.info({ peer: peer.toString(), from: started, to: chain.best.number }, 'synced blocks')
      if (network.isBanned(peer)) continue
      if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number, signal)
    }
    this.peerBest = peerBest
  }

  /**
   * Catches up with `peer` (best block `target`) headers first; 'legacy' when the peer does not
   * answer `headers` requests (an older node: {@link syncRanges} then).
   */
  private async syncHeadersFirst(peer: PeerId, target: number, helpers: PeerStatus[], signal: AbortSignal): Promise<'done' | 'legacy'> {
    const { chain, network } = this.components
    while (!signal.aborted && chain.best.number < target) {
      const before = chain.best.hashHex
      let headers: Uint8Array[]
      try {
        headers = await network.requestHeaders(peer, chain.best.number + 1, MAX_HEADERS_PER_RESPONSE, signal)
      } catch (err) {
        this.log.debug({ err, peer: peer.toString() }, 'headers request failed: syncing in block ranges')
        return 'legacy'
      }
      if (headers.length === 0) break
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
        if (!(await this.requestBlock(u8aToHex(hashHeader(headers[0]!)), peer)) || chain.best.hashHex === before) break
        continue
      }
      const { checked, fault } = checkHeaders(parent, chain.slotOf(parent), chain.authoritiesFor(parent), headers)
      if (fault !== undefined) {
        this.log.debug({ peer: peer.toString(), fault, from: parent.number + 1 }, 'peer sent invalid headers')
        await network.penalise(peer, fault)
        break
      }
      if (!(await this.importBodies(peer, checked, helpers, signal)) || chain.best.hashHex === before) break
    }
    return 'done'
  }

  /**
   * Fetches the bodies of `checked` (in chunks, two requests ahead of execution, chunk i from the
   * i-th of `peer` and the helpers that are as far) and imports each block. False when a block
   * could not be fetched or imported.
   */
  private async importBodies(peer: PeerId, checked: CheckedHeader[], helpers: PeerStatus[], signal: AbortSignal): Promise<boolean> {
    const { chain, network } = this.components
    const chunks: CheckedHeader[][] = []
    for (let i = 0; i < checked.length; i += MAX_BODIES_PER_REQUEST) chunks.push(checked.slice(i, i + MAX_BODIES_PER_REQUEST))
    const fetchChunk = (i: number): Promise<BodiesResult> => {
      const chunk = chunks[i]!
      const last = chunk.at(-1)!.header.number
      const sources = [peer, ...helpers.filter((h) => h.status.best.number >= last && !network.isBanned(h.peer)).map((h) => h.peer)]
      return this.fetchBodies(chunk, sources[i % sources.length]!, peer, signal)
    }
    const inFlight = chunks.slice(0, 2).map((_, i) => fetchChunk(i))
    for (let i = 0; i < chunks.length; i++) {
      const { bodies, fault } = await inFlight[i]!
      if (i + 2 < chunks.length) inFlight.push(fetchChunk(i + 2))
      const chunk = chunks[i]!
      for (const [j, extrinsics] of bodies.entries()) {
        if (signal.aborted) return false
        try {
          chain.importBlock(chunk[j]!.bytes, extrinsics)
        } catch (err) {
          if (!(err instanceof BlockImportError)) throw err
          if (err.invalid) await network.penalise(peer, err.code)
          else this.log.debug({ err, peer: peer.toString() }, 'synced block not imported')
          return false
        }
      }
      if (fault !== undefined) await network.penalise(fault.peer, fault.reason)
      if (bodies.length < chunk.length) return false
    }
    return true
  }

  /**
   * The bodies of `chunk` from `source`, the rest from `peer` (which sent the headers) when `source`
   * has fewer; stops at a body that does not match its header's extrinsics root (that peer is the fault).
   */
  private async fetchBodies(chunk: CheckedHeader[], source: PeerId, peer: PeerId, signal: AbortSignal): Promise<BodiesResult> {
    const bodies: Uint8Array[][] = []
    for (const from of source.equals(peer) ? [peer] : [source, peer]) {
      while (bodies.length < chunk.length && !signal.aborted) {
        let got: Uint8Array[][]
        try {
          got = await this.components.network.requestBodies(from, chunk.slice(bodies.length).map((h) => h.hash), signal)
        } catch (err) {
          if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE) return { bodies, fault: { peer: from, reason: err.code } }
          this.log.debug({ err, peer: from.toString() }, 'bodies request failed')
          break
        }
        for (const extrinsics of got) {
          if (!u8aEq(extrinsicsRoot(extrinsics), chunk[bodies.length]!.header.extrinsicsRoot)) {
            return { bodies, fault: { peer: from, reason: 'body does not match its header' } }
          }
          bodies.push(extrinsics)
        }
        if (got.length === 0) break
      }
    }
    return { bodies }
  }

  /** Catches up with `peer` (best block `target`) in block ranges (a peer without `headers` requests). */
  private async syncRanges(peer: PeerId, target: number, signal: AbortSignal): Promise<void> {
    const { chain, network } = this.components
    while (!signal.aborted && chain.best.number < target) {
      const blocks = await network.requestRange(peer, chain.best.number + 1, MAX_BLOCKS_PER_RESPONSE, signal)
      if (blocks.length === 0) break
      const before = chain.best.hashHex
      for (const block of blocks) if (!(await this.importFrom(peer, block))) break
      if (chain.best.hashHex === before) break
    }
  }

  /** Fetches and applies `peer`'s justifications above this node's finalized block, in order. */
  private async syncFinality(peer: PeerId, peerFinalized: number, signal: AbortSignal): Promise<void> {
    const { chain, network, importJustification } = this.components
    if (importJustification === undefined) return
    const started = chain.finalized.number
    while (!signal.aborted && chain.finalized.number < peerFinalized) {
      const before = chain.finalized.number
      const batch = await network.requestJustifications(peer, before + 1, MAX_JUSTIFICATIONS_PER_RESPONSE, signal)
      for (const bytes of batch) {
        try {
          if (!importJustification(bytes)) break
        } catch (err) {
          if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_JUSTIFICATION) await network.penalise(peer, err.code)
          else this.log.debug({ err }, 'justification not applied')
          return
        }
      }
      if (chain.finalized.number === before) break
    }
    if (chain.finalized.number > started) this.log.info({ peer: peer.toString(), from: started, to: chain.finalized.number }, 'synced finality')
  }

  /**
   * Imports a peer's block; an unknown parent makes it fetch the missing ancestors from that peer.
   * Returns false when the block could not be imported.
   */
  private async importFrom(peer: PeerId, block: WireBlock): Promise<boolean> {
    const { chain, network } = this.components
    try {
      chain.importBlock(block.header, block.extrinsics)
      return true
    } catch (err) {
      if (!(err instanceof BlockImportError)) throw err
      if (err.code === 'BLOCK_IMPORT_ERROR_UNKNOWN_PARENT') return this.connectOrphan(peer, block)
      if (err.invalid) await network.penalise(peer, err.code)
      return false
    }
  }

  /** Fetches the ancestors of `block` from `peer` down to a known block, then imports them and it. */
  private connectOrphan(peer: PeerId, block: WireBlock): Promise<boolean> {
    return this.importChain(peer, [block])
  }

  /** Fetches block `hash` and its ancestors from `peer` down to a known block, and imports them. */
  private async fetchChain(peer: PeerId, hash: Uint8Array): Promise<boolean> {
    if (this.components.chain.blockByHash(hash) !== undefined) return true
    const [first] = await this.components.network.requestAncestors(peer, hash, 1, this.abort.signal)
    if (first === undefined || hashOf(first) !== u8aToHex(hash)) return false
    return this.importChain(peer, [first])
  }

  /**
   * Imports `missing` (descending, contiguous) after fetching their ancestors from `peer` down to
   * a known block.
   */
  private async importChain(peer: PeerId, missing: WireBlock[]): Promise<boolean> {
    const { chain, network } = this.components
    let parent = hexToU8a(parentHashOf(missing.at(-1)!))
    while (chain.blockByHash(parent) === undefined) {
      if (missing.length > MAX_ANCESTOR_FETCH) return false
      const ancestors = await network.requestAncestors(peer, parent, MAX_BLOCKS_PER_RESPONSE, this.abort.signal)
      if (ancestors.length === 0) return false
      for (const a of ancestors) {
        if (chain.blockByHash(hexToU8a(hashOf(a))) !== undefined) break
        missing.push(a)
      }
      parent = hexToU8a(parentHashOf(missing.at(-1)!))
      if (ancestors.length < MAX_BLOCKS_PER_RESPONSE && chain.blockByHash(parent) === undefined) return false
    }
    for (const b of missing.reverse()) {
      try {
        chain.importBlock(b.header, b.extrinsics)
      } catch (err) {
        if (err instanceof BlockImportError && err.invalid) await network.penalise(peer, err.code)
        return false
      }
    }
    return true
  }
}

const BLOCK_HASH = /^0x[0-9a-f]{64}$/
const parentHashOf = (block: WireBlock): string => u8aToHex(decodeHeader(block.header).parentHash)
const hashOf = (block: WireBlock): string => u8aToHex(hashHeader(block.header))
