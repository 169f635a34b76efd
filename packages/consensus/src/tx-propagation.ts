/**
 * Transaction propagation, as Substrate's transactions protocol does it: each node pushes the
 * transactions of its pool to every peer that does not know them yet, over short streams of the
 * `/crust-ts/<genesis>/transactions/1` protocol. A new transaction (RPC or peer) goes out at once;
 * every {@link PROPAGATE_INTERVAL_MS} (and when a peer connects) the whole pool goes to each peer
 * minus what that peer is known to hold. The receiver answers with the transactions it refused for
 * now (pool full, too many of a sender's future nonces, fees not payable yet): those are offered
 * again after {@link RETRY_AFTER_MS}, so a refusal is never final while the sender still holds them.
 *
 * A push is cut off (the stream aborted) at a transaction that is certainly forged: one that does
 * not decode, or whose signature is bad although it cannot depend on the fork (immortal, or born at
 * a finalized block); the pusher is penalised for a bad signature ({@link Penalty.BAD_TRANSACTION},
 * banned after a few). A bad signature that may be a fork's (a mortal transaction born above the
 * finalized block) costs no penalty, but a push with more than {@link MAX_UNCERTAIN_BAD_SIGNATURES_PER_PUSH}
 * of them is cut off. Stale, duplicate or unaffordable transactions are never penalised.
 */
import type { PooledExtrinsic, TransactionPool } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import * as lp from 'it-length-prefixed'
import {
  FAILED_PUSH_PAUSE_MS,
  KNOWN_TX_TTL_MS,
  MAX_KNOWN_TXS_PER_PEER,
  MAX_TX_BYTES,
  MAX_TXS_PER_PUSH,
  MAX_UNCERTAIN_BAD_SIGNATURES_PER_PUSH,
  Penalty,
  PROPAGATE_INTERVAL_MS,
  PUSH_TIMEOUT_MS,
  RETRY_AFTER_MS,
} from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import { encodeJson, plainBytes } from './wire.js'

export interface TransactionPropagationComponents {
  host: Libp2p
  pool: TransactionPool
  logger: ComponentLogger
  /** The peers transactions go to (connected, not banned or gated). */
  peers(): PeerId[]
  /** Whether pushes from `peer` are taken. */
  accepts(peer: PeerId): boolean
  /** Adds `cost` to `peer`'s penalty score (the network's peer scoring). */
  penalise?(peer: PeerId, reason: string, cost: number): void
  /** Whether a bad signature of this transaction is certain, whatever the fork (immortal, or born at a finalized block). */
  certainlyBadSignature?(bytes: Uint8Array): boolean
  /** Checks a part of a push's signatures ahead, on worker threads (`TransactionPool.preverifyFromPeer`). */
  preverify?(batch: readonly Uint8Array[]): Promise<void>
}

export interface TransactionPropagationInit {
  /** The stream protocol id (`transactionsProtocol(genesis)`). */
  protocol: string
  /** Period of the full re-announcement (default {@link PROPAGATE_INTERVAL_MS}). */
  intervalMs?: number
}

/** The receiver's answer to one push: indexes of the transactions to offer again later. */
interface PushAnswer {
  retry: number[]
}

/** Pool refusals that may turn into acceptance later (room frees up, a gap fills, funds arrive). */
const RETRYABLE = new Set(['TXPOOL_ERROR_POOL_FULL', 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER', 'TX_ERROR_INVALID_PAYMENT'])
/**
 * Refusals that prove the pushing peer sends garbage: the push is cut off. (A bad signature is not
 * one: a mortal transaction's signature covers its birth block, which differs between forks.)
 */
const MALFORMED = new Set(['EXTRINSIC_ERROR_BAD_FORMAT'])
/** A bad signature: certain or not depending on the transaction's era ({@link TransactionPropagationComponents.certainlyBadSignature}). */
const BAD_SIGNATURE = 'TX_ERROR_INVALID_BAD_PROOF'
/** Transactions of a push taken at once (their signatures checked together ahead): the first part, the later ones. */
const FIRST_PART = 16
const LATER_PART = 128
/** Most transactions waiting to go to one peer (the periodic announcement offers the rest later). */
const MAX_OUTBOX = 4 * MAX_TXS_PER_PUSH

/** What one peer holds (as far as this node knows), and what waits to go to it. */
class PeerTxState {
  /**
   * Transaction hash -> until when it is not offered to the peer again (ms), and whether the peer
   * holds it (false: it refused it for now); oldest first.
   */
  readonly known = new Map<string, { until: number; held: boolean }>()
  readonly outbox = new Map<string, Uint8Array>()
  busy = false
  /** No pushes before this time (ms): the last one failed. */
  pausedUntil = 0

  constructor(readonly peer: PeerId) {}

  knows(hash: string, now: number): boolean {
    const entry = this.known.get(hash)
    return entry !== undefined && entry.until > now
  }

  holds(hash: string, now: number): boolean {
    const entry = this.known.get(hash)
    return entry?.held === true && entry.until > now
  }

  remember(hash: string, until: number, held: boolean): void {
    this.known.delete(hash)
    this.known.set(hash, { until, held })
    if (this.known.size > MAX_KNOWN_TXS_PER_PEER) this.known.delete(this.known.keys().next().value!)
  }

  /** Queues the transaction unless the peer has it or refused it a short while ago (`retry`: refused is no reason to wait). */
  offer(hash: string, bytes: Uint8Array, now: number, retry = false): void {
    if (this.outbox.size >= MAX_OUTBOX) return
    if (retry ? !this.holds(hash, now) : !this.knows(hash, now)) this.outbox.set(hash, bytes)
  }
}

export class TransactionPropagation {
  private readonly log: Logger
  private readonly states = new Map<string, PeerTxState>()
  private readonly intervalMs: number
  private timer: NodeJS.Timeout | undefined
  private flushScheduled = false
  private stopped = true
  /**
   * Transactions that entered the pool or turned ready since the last flush, offered to the peers
   * once per event-loop turn: the peer list costs more to build than one transaction's checks
   * (the four-validator profile), so it is built once per burst, not once per transaction.
   * `retry`: it turned ready, so peers that refused it while it was future get it too.
   */
  private readonly fresh = new Map<string, { bytes: Uint8Array; retry: boolean }>()
  private readonly onSubmitted = (xt: { hash: Uint8Array; bytes: Uint8Array }) => {
    const hash = u8aToHex(xt.hash)
    this.fresh.set(hash, { bytes: xt.bytes, retry: this.fresh.get(hash)?.retry === true })
    this.scheduleFlush()
  }
  /** A transaction turned ready here (its nonce gap filled): peers that refused it while it was future get it now. */
  private readonly onStatus = (hash: string, status: unknown) => {
    if (status !== 'ready') return
    const bytes = this.components.pool.bytesOf(hash)
    if (bytes === undefined) return
    this.fresh.set(hash, { bytes, retry: true })
    this.scheduleFlush()
  }
  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId; protocols: string[] }>) => {
    if (!evt.detail.protocols.includes(this.init.protocol)) return
    this.state(evt.detail.peerId).pausedUntil = 0
    this.announce([evt.detail.peerId])
  }
  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => {
    this.states.delete(evt.detail.toString())
  }

  constructor(
    private readonly components: TransactionPropagationComponents,
    private readonly init: TransactionPropagationInit,
  ) {
    this.log = components.logger.forComponent('consensus:transactions')
    this.intervalMs = init.intervalMs ?? PROPAGATE_INTERVAL_MS
  }

  async start(): Promise<void> {
    const { host, pool } = this.components
    this.stopped = false
    await host.handle(this.init.protocol, (stream, connection) => this.receive(stream, connection.remotePeer), { maxInboundStreams: 8 })
    pool.on('submitted', this.onSubmitted)
    pool.on('status', this.onStatus)
    host.addEventListener('peer:identify', this.onIdentify as never)
    host.addEventListener('peer:disconnect', this.onDisconnect as never)
    this.timer = setInterval(() => this.announce(this.targets()), this.intervalMs)
    this.timer.unref()
  }

  /** Connected, accepted peers, minus those whose last push failed a short while ago (e.g. IPFS-only peers of a shared host). */
  private targets(): PeerId[] {
    const now = Date.now()
    return this.components.peers().filter((p) => (this.states.get(p.toString())?.pausedUntil ?? 0) <= now)
  }

  async stop(): Promise<void> {
    const { host, pool } = this.components
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    pool.off('submitted', this.onSubmitted)
    pool.off('status', this.onStatus)
    host.removeEventListener('peer:identify', this.onIdentify as never)
    host.removeEventListener('peer:disconnect', this.onDisconnect as never)
    await host.unhandle(this.init.protocol).catch(() => {})
    this.states.clear()
    this.fresh.clear()
  }

  /** Offers every pooled transaction (ready ones first) to `peers`, minus what each is known to hold. */
  announce(peers: PeerId[]): void {
    if (this.stopped || peers.length === 0) return
    const txs: PooledExtrinsic[] = this.components.pool.transactions()
    const now = Date.now()
    const connected = new Set(this.components.peers().map((p) => p.toString()))
    for (const id of this.states.keys()) if (!connected.has(id)) this.states.delete(id)
    const live = new Set(this.targets().map((p) => p.toString()))
    for (const peer of peers) {
      if (!live.has(peer.toString())) continue
      const state = this.state(peer)
      for (const tx of txs) {
        if (state.outbox.size >= MAX_TXS_PER_PUSH) break
        state.offer(tx.hash, tx.bytes, now)
      }
    }
    this.scheduleFlush()
  }

  private state(peer: PeerId): PeerTxState {
    const id = peer.toString()
    let state = this.states.get(id)
    if (state === undefined) {
      state = new PeerTxState(peer)
      this.states.set(id, state)
    }
    return state
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.stopped) return
    this.flushScheduled = true
    // Batches what one event-loop turn submitted (an RPC burst) into one push per peer.
    setImmediate(() => {
      this.flushScheduled = false
      if (this.stopped) return
      this.offerFresh()
      for (const state of this.states.values()) this.flush(state)
    })
  }

  private offerFresh(): void {
    if (this.fresh.size === 0) return
    const now = Date.now()
    for (const peer of this.targets()) {
      const state = this.state(peer)
      for (const [hash, { bytes, retry }] of this.fresh) state.offer(hash, bytes, now, retry)
    }
    this.fresh.clear()
  }

  private flush(state: PeerTxState): void {
    if (state.busy || state.outbox.size === 0 || this.stopped) return
    const batch: Array<[string, Uint8Array]> = []
    for (const entry of state.outbox) {
      batch.push(entry)
      state.outbox.delete(entry[0])
      if (batch.length >= MAX_TXS_PER_PUSH) break
    }
    const now = Date.now()
    for (const [hash] of batch) state.remember(hash, now + KNOWN_TX_TTL_MS, true)
    state.busy = true
    this.push(
      state.peer,
      batch.map(([, bytes]) => bytes),
    )
      .then((answer) => {
        const retryAt = Date.now() + RETRY_AFTER_MS
        for (const i of answer.retry) {
          const hash = batch[i]?.[0]
          if (hash !== undefined) state.remember(hash, retryAt, false)
        }
      })
      .catch((err: unknown) => {
        this.log.debug({ err, peer: state.peer.toString(), txs: batch.length }, 'transaction push failed')
        const retryAt = Date.now() + RETRY_AFTER_MS
        for (const [hash] of batch) state.remember(hash, retryAt, false)
        state.outbox.clear()
        state.pausedUntil = Date.now() + FAILED_PUSH_PAUSE_MS
      })
      .finally(() => {
        state.busy = false
        if (this.states.get(state.peer.toString()) === state) this.flush(state)
      })
  }

  /** Sends one batch to `peer` and reads its answer. */
  private async push(peer: PeerId, txs: Uint8Array[]): Promise<PushAnswer> {
    const stream = await this.components.host.dialProtocol(peer, this.init.protocol, { signal: AbortSignal.timeout(PUSH_TIMEOUT_MS) })
    if (!stream.send(encodePush(txs))) await stream.onDrain()
    await stream.close()
    const frames: Uint8Array[] = []
    for await (const frame of lp.decode(stream, { maxDataLength: 8 * MAX_TXS_PER_PUSH + 64 })) frames.push(plainBytes(frame.subarray()))
    if (frames.length !== 1) throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'expected one push answer', { peer: peer.toString() })
    return parseAnswer(frames[0]!, txs.length)
  }

  /** Takes one push from `peer` into the pool and answers which transactions to offer again later. */
  private async receive(stream: Stream, peer: PeerId): Promise<void> {
    try {
      if (!this.components.accepts(peer)) {
        stream.abort(new Error('refused'))
        return
      }
      const state = this.state(peer)
      const retry: number[] = []
      let index = 0
      let accepted = 0
      let badSignatures = 0
      const take = async (part: Uint8Array[]) => {
        if (part.length === 0) return
        await this.components.preverify?.(part)
        for (const bytes of part) {
          const { hash, verdict } = this.submit(bytes)
          // The peer holds it: never offer it back (even if this pool refuses it now).
          state.remember(hash, Date.now() + KNOWN_TX_TTL_MS, true)
          if (verdict === 'malformed') throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'malformed transaction')
          if (verdict === 'bad-signature') {
            if (this.components.certainlyBadSignature?.(bytes) === true) {
              this.components.penalise?.(peer, 'pushed a transaction with a bad signature', Penalty.BAD_TRANSACTION)
              throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'a transaction with a bad signature')
            }
            if (++badSignatures > MAX_UNCERTAIN_BAD_SIGNATURES_PER_PUSH)
              throw new ConsensusError(ConsensusErrorCode.LIMIT_EXCEEDED, 'too many transactions with bad signatures')
          }
          if (verdict === 'retry') retry.push(index)
          if (verdict === 'accepted') accepted++
          index++
        }
      }
      // Taken in parts, so their signatures are checked on worker threads ahead; the first part is
      // small, so a push of forgeries is cut off before it has cost many checks.
      let part: Uint8Array[] = []
      for await (const frame of lp.decode(stream, { maxDataLength: MAX_TX_BYTES })) {
        if (index + part.length >= MAX_TXS_PER_PUSH) throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'too many transactions in one push')
        part.push(plainBytes(frame.subarray()))
        if (part.length >= (index === 0 ? FIRST_PART : LATER_PART)) {
          await take(part)
          part = []
        }
      }
      await take(part)
      if (!stream.send(lp.encode.single(encodeJson({ retry } satisfies PushAnswer)))) await stream.onDrain()
      await stream.close()
      if (accepted > 0 || retry.length > 0) this.log.debug({ peer: peer.toString(), txs: index, accepted, retry: retry.length }, 'transactions received')
    } catch (err) {
      this.log.debug({ err, peer: peer.toString() }, 'transaction push refused')
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private submit(bytes: Uint8Array): { hash: string; verdict: 'accepted' | 'known' | 'retry' | 'malformed' | 'bad-signature' } {
    try {
      // The common refusals (held already, the sender's future limit) come back as values: no error is built.
      const result = this.components.pool.submitFromPeer(bytes)
      return { hash: result.hash, verdict: result.refused === undefined ? 'accepted' : RETRYABLE.has(result.refused) ? 'retry' : 'known' }
    } catch (err) {
      const hash = u8aToHex(blake2AsU8a(bytes, 256))
      const code = (err as { code?: unknown }).code
      if (typeof code !== 'string') return { hash, verdict: 'retry' }
      if (MALFORMED.has(code)) return { hash, verdict: 'malformed' }
      if (code === BAD_SIGNATURE) return { hash, verdict: 'bad-signature' }
      // Held already, stale, or invalid for good: offering it again would not change the answer.
      return { hash, verdict: RETRYABLE.has(code) ? 'retry' : 'known' }
    }
  }
}

/**
 * A push's frames (length-prefixed transactions) as ONE buffer, for one `send`: yamux turns every
 * send into a data frame, noise into an encryption and the socket into a write, and the receiver
 * answers every data frame with a window update; per transaction, those cost more than the
 * transaction's own checks (the four-validator profile).
 */
export function encodePush(txs: readonly Uint8Array[]): Uint8Array {
  return u8aConcat(...txs.map((tx) => lp.encode.single(tx).subarray()))
}

function parseAnswer(bytes: Uint8Array, count: number): PushAnswer {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'undecodable push answer', {}, { cause: err })
  }
  const retry = (value as { retry?: unknown }).retry
  if (!Array.isArray(retry) || !retry.every((i) => Number.isSafeInteger(i) && i >= 0 && i < count)) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'bad push answer')
  }
  return { retry: retry as number[] }
}
