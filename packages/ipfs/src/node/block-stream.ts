/**
 * A block transfer between crust-ts nodes on one long-lived libp2p stream per peer, beside bitswap.
 *
 * Why: bitswap (Helia's) opens a new stream, with its protocol negotiation and a fresh 256 KiB
 * yamux window, for every message each way: one per want sent, one per batch of blocks answered.
 * A 256 MiB pull from one holder then ran at about a fifth of the raw stream between the same two
 * nodes, mostly waiting. Here the wants and the blocks flow on one stream whose window has grown,
 * as the raw stream's does.
 *
 * Wire format, both ways: frames of a 4-byte big-endian length, then the body.
 * - asker → holder: the CID's bytes;
 * - holder → asker, one per request, in request order: one byte (1 = the block follows, 0 = not
 *   held), then the block's bytes.
 * A holder serves only blocks in its local store. The asker checks every block against the CID's
 * SHA-256 multihash (a CID hashed otherwise is left to bitswap), with the caller's check when it
 * gives one (Helia's: the block is then hashed once, not by the stream and again by Helia); a block
 * that does not match is a wrong block (the peer lied) and ends the stream. A peer that does not speak the protocol (Kubo,
 * older nodes) is remembered and asked through bitswap.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'multiformats/bytes'
import { Uint8ArrayList } from 'uint8arraylist'
import type { PeerAnswer } from './holder-split.js'

export const BLOCK_STREAM_PROTOCOL = '/crust-ts/blocks/1.0.0'
/** Largest block a holder sends (bitswap's limit: 2 MiB) plus the status byte. */
export const MAX_BLOCK_FRAME = 2 * 1024 * 1024 + 1
/** Largest request (a CID is well under 100 bytes). */
export const MAX_REQUEST_FRAME = 256
/** Streams of this protocol a node serves at once (one per asking peer is the norm). */
export const MAX_BLOCK_STREAMS = 64

/** How long opening a stream to a holder may take. */
export const OPEN_TIMEOUT_MS = 10_000

const SHA2_256 = 0x12
const STATUS_BLOCK = 1
const STATUS_NOT_HELD = 0

/** Thrown to the asker when the holder's stream ended or broke before the answer. */
export class BlockStreamError extends Error {
  override readonly name = 'BlockStreamError'
}

/**
 * A caller's check of a block against its CID (Helia's `validateFn`): resolves when it matches,
 * throws `InvalidMultihashError` when it does not, and may throw another error (the caller gave up).
 */
export type VerifyBlock = (block: Uint8Array) => Promise<void>

/** Name of the error a {@link VerifyBlock} throws for a block that does not hash to its CID (libp2p's). */
const HASH_MISMATCH = 'InvalidMultihashError'

/**
 * Whether `block` is the block of `cid`: by `verify` when given (its own errors other than a hash
 * mismatch are returned: the caller gave up, nothing is known of the block), else by SHA-256.
 */
export async function checkBlock(cid: CID, block: Uint8Array, verify?: VerifyBlock): Promise<'ok' | 'wrong' | { error: Error }> {
  if (verify === undefined) return equals((await sha256.digest(block)).digest, cid.multihash.digest) ? 'ok' : 'wrong'
  try {
    await verify(block)
    return 'ok'
  } catch (err) {
    if ((err as Error | undefined)?.name === HASH_MISMATCH) return 'wrong'
    return { error: err instanceof Error ? err : new Error(String(err)) }
  }
}

/** Splits a byte stream into length-prefixed frames, refusing any longer than `max`. */
export async function* readFrames(source: AsyncIterable<Uint8Array | { subarray(): Uint8Array }>, max: number): AsyncGenerator<Uint8Array> {
  const chunks: Uint8Array[] = []
  let buffered = 0
  let need = -1
  /** The next `n` buffered bytes: a view when one chunk holds them, else one copy of exactly `n`. */
  const take = (n: number): Uint8Array => {
    buffered -= n
    const first = chunks[0]!
    if (first.length >= n) {
      if (first.length === n) chunks.shift()
      else chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const out = Buffer.allocUnsafe(n)
    let at = 0
    while (at < n) {
      const chunk = chunks[0]!
      const part = Math.min(chunk.length, n - at)
      out.set(part === chunk.length ? chunk : chunk.subarray(0, part), at)
      at += part
      if (part === chunk.length) chunks.shift()
      else chunks[0] = chunk.subarray(part)
    }
    return out
  }
  for await (const chunk of source) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    if (bytes.length === 0) continue
    chunks.push(bytes)
    buffered += bytes.length
    for (;;) {
      if (need < 0) {
        if (buffered < 4) break
        const head = take(4)
        need = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0
        if (need > max) throw new BlockStreamError(`frame of ${need} bytes is over the limit of ${max}`)
      }
      if (buffered < need) break
      const body = need === 0 ? new Uint8Array(0) : take(need)
      need = -1
      yield body
    }
  }
  if (need >= 0 || buffered > 0) throw new BlockStreamError('stream ended inside a frame')
}

async function send(stream: Stream, data: Uint8Array | Uint8ArrayList): Promise<void> {
  if (!stream.send(data)) await stream.onDrain()
}

/** What a holder serves from: its local blocks only (never the network). */
export interface LocalBlocks {
  has(cid: CID): boolean | Promise<boolean>
  get(cid: CID): Uint8Array | Promise<Uint8Array>
}

/** Serves one asker's stream: each request answered in order, waiting while the asker is slow; `onServed` is told of each block sent. */
export async function serveBlockStream(stream: Stream, blocks: LocalBlocks, onServed: () => void = () => {}): Promise<void> {
  try {
    for await (const request of readFrames(stream, MAX_REQUEST_FRAME)) {
      let block: Uint8Array | undefined
      try {
        const cid = CID.decode(request)
        if (await blocks.has(cid)) block = await blocks.get(cid)
      } catch {
        block = undefined
      }
      if (block === undefined || block.length + 1 > MAX_BLOCK_FRAME) {
        await send(stream, Uint8Array.of(0, 0, 0, 1, STATUS_NOT_HELD))
        continue
      }
      const head = new Uint8Array(5)
      new DataView(head.buffer).setUint32(0, block.length + 1)
      head[4] = STATUS_BLOCK
      // one send, one yamux frame (and one window update back), without copying the block
      await send(stream, new Uint8ArrayList(head, block))
      onServed()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

interface Pending {
  cid: CID
  resolve: (answer: PeerAnswer) => void
  reject: (err: Error) => void
  /** The asker gave up: its answer is read and dropped (answers come in order). */
  dropped: boolean
  verify: VerifyBlock | undefined
}

class Channel {
  readonly pending: Pending[] = []
  closed = false
  /** Requests not sent yet: the asks of one turn of the event loop go as one send. */
  private outbox: Uint8Array[] = []

  constructor(
    readonly stream: Stream,
    private readonly onWrong: (cid: CID) => void,
    private readonly onEnd: () => void,
  ) {
    void this.read()
  }

  private async read(): Promise<void> {
    let failure: Error = new BlockStreamError('the holder closed the block stream')
    try {
      for await (const frame of readFrames(this.stream, MAX_BLOCK_FRAME)) {
        const head = this.pending.shift()
        if (head === undefined) throw new BlockStreamError('an answer nobody asked for')
        if (frame[0] !== STATUS_BLOCK) {
          if (!head.dropped) head.resolve({ has: false })
          continue
        }
        const block = frame.subarray(1)
        // a dropped answer is still checked: a lie ends the stream whoever asked
        const checked = await checkBlock(head.cid, block, head.dropped ? undefined : head.verify)
        if (checked === 'wrong') {
          this.onWrong(head.cid)
          head.reject(new BlockStreamError(`the block sent for ${head.cid} does not hash to it`))
          throw new BlockStreamError('wrong block')
        }
        if (head.dropped) continue
        if (checked === 'ok') head.resolve({ has: true, block })
        else head.reject(checked.error)
      }
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err))
      this.stream.abort(failure)
    } finally {
      this.closed = true
      this.onEnd()
      for (const p of this.pending.splice(0)) p.reject(failure)
    }
  }

  ask(cid: CID, signal: AbortSignal, verify: VerifyBlock | undefined): Promise<PeerAnswer> {
    return new Promise<PeerAnswer>((resolve, reject) => {
      const entry: Pending = { cid, resolve, reject, dropped: false, verify }
      const onAbort = (): void => {
        entry.dropped = true
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          signal.removeEventListener('abort', onAbort)
          fn(v)
        }
      entry.resolve = settle(resolve)
      entry.reject = settle(reject)
      this.pending.push(entry)
      const bytes = cid.bytes
      const frame = new Uint8Array(4 + bytes.length)
      new DataView(frame.buffer).setUint32(0, bytes.length)
      frame.set(bytes, 4)
      // Each send is a yamux frame, a noise message and a socket write of its own (and a window
      // update back): the asks of this turn (a walker's burst, the wants a batch of blocks freed)
      // go together, after it.
      if (this.outbox.push(frame) === 1) setImmediate(() => this.flush())
    })
  }

  private flush(): void {
    const frames = this.outbox
    this.outbox = []
    if (this.closed) {
      // ended since these were asked (its reader already failed the ones pending then)
      for (const p of this.pending.splice(0)) p.reject(new BlockStreamError('the block stream ended'))
      return
    }
    try {
      this.stream.send(frames.length === 1 ? frames[0]! : new Uint8ArrayList(...frames))
    } catch (err) {
      this.stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/**
 * The asking side: one stream per holder, opened on the first want. `want` answers like bitswap's
 * `wantSessionBlock`, or `undefined` when the peer does not speak the protocol or the CID is not
 * SHA-256 (the caller asks through bitswap instead).
 */
export class BlockStreams {
  private readonly channels = new Map<string, Promise<Channel>>()
  private readonly unsupported = new Set<string>()

  constructor(
    private readonly libp2p: Libp2p,
    /** Told of a peer that sent a block that does not hash to the CID asked. */
    private readonly onWrongBlock: (peerId: string, cid: CID) => void = () => {},
  ) {}

  async want(cid: CID, peer: PeerId, options: { signal: AbortSignal; verify?: VerifyBlock | undefined }): Promise<PeerAnswer | undefined> {
    const key = peer.toString()
    if (cid.multihash.code !== SHA2_256 || this.unsupported.has(key)) return undefined
    let channel = this.channels.get(key)
    if (channel === undefined) {
      channel = this.open(peer)
      this.channels.set(key, channel)
    }
    let open: Channel
    try {
      open = await channel
    } catch (err) {
      if (this.channels.get(key) === channel) this.channels.delete(key)
      if ((err as Error)?.name === 'UnsupportedProtocolError') {
        this.unsupported.add(key)
        return undefined
      }
      throw err
    }
    if (open.closed) {
      // ended while this want waited for it: the next want opens a new one
      if (this.channels.get(key) === channel) this.channels.delete(key)
      throw new BlockStreamError('the block stream ended')
    }
    return open.ask(cid, options.signal, options.verify)
  }

  /** Closes every stream (the node stops). */
  close(): void {
    for (const channel of this.channels.values()) void channel.then((c) => c.stream.abort(new BlockStreamError('the node stopped'))).catch(() => {})
    this.channels.clear()
  }

  private async open(peer: PeerId): Promise<Channel> {
    const key = peer.toString()
    // Not the first want's signal: the stream serves every want after it.
    const stream = await this.libp2p.dialProtocol(peer, BLOCK_STREAM_PROTOCOL, { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) })
    let channel: Channel | undefined
    const holder = new Channel(
      stream,
      (cid) => this.onWrongBlock(key, cid),
      () => {
        void this.channels.get(key)?.then((c) => {
          if (c === channel) this.channels.delete(key)
        })
      },
    )
    channel = holder
    return holder
  }
}
