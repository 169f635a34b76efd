import { randomBytes } from 'node:crypto'
import { WebSocket } from 'ws'
import { SUBSCRIPTION_ID_BYTES } from './constants.js'
import type { RpcContext, RpcLogger, SubscriptionSpec } from './interface.js'
import { Subscription, type SubscriptionHost } from './subscription.js'

/** Limits a {@link WsConnection} enforces. */
export interface WsConnectionLimits {
  maxResponseBytes: number
  maxBufferedBytes: number
  maxInFlight: number
}

/**
 * Server-side state of one WebSocket client: its subscriptions (ids are only meaningful on this
 * connection), its output back-pressure and its in-flight request count.
 */
export class WsConnection implements SubscriptionHost {
  readonly ctx: RpcContext
  readonly logger: RpcLogger
  readonly maxResponseBytes: number
  readonly maxHeldBytes: number
  /** Resolves when the underlying socket has closed. */
  readonly socketClosed: Promise<void>
  private readonly ws: WebSocket
  private readonly limits: WsConnectionLimits
  private readonly subscriptions = new Map<string, Subscription>()
  private inFlight = 0
  private closed = false

  constructor(ws: WebSocket, connectionId: number, limits: WsConnectionLimits, logger: RpcLogger, remoteAddress?: string) {
    this.ws = ws
    this.ctx = Object.freeze({ connectionId, transport: 'ws' as const, ...(remoteAddress === undefined ? {} : { remoteAddress }) })
    this.limits = limits
    this.logger = logger
    this.maxResponseBytes = limits.maxResponseBytes
    this.maxHeldBytes = limits.maxBufferedBytes
    this.socketClosed = new Promise((resolve) => ws.once('close', () => resolve()))
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Active plus starting subscriptions. */
  get subscriptionCount(): number {
    return this.subscriptions.size
  }

  write(text: string): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return
    this.ws.send(text)
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.logger.warn({ connectionId: this.ctx.connectionId, bufferedAmount: this.ws.bufferedAmount }, 'rpc client too slow, disconnecting')
      this.terminate()
    }
  }

  overflow(): void {
    this.logger.warn({ connectionId: this.ctx.connectionId }, 'rpc held notifications over limit, disconnecting')
    this.terminate()
  }

  remove(sub: Subscription): void {
    if (this.subscriptions.get(sub.id) === sub) this.subscriptions.delete(sub.id)
  }

  /** Creates and registers a pending subscription with a fresh random id. */
  createSubscription(spec: SubscriptionSpec): Subscription {
    let id: string
    do {
      id = randomBytes(SUBSCRIPTION_ID_BYTES).toString('hex')
    } while (this.subscriptions.has(id))
    const sub = new Subscription(this, spec, id)
    this.subscriptions.set(id, sub)
    if (this.closed) sub.end()
    return sub
  }

  getSubscription(id: string): Subscription | undefined {
    return this.subscriptions.get(id)
  }

  /** A request started; reading pauses while too many are in flight. */
  beginRequest(): void {
    this.inFlight++
    if (this.inFlight >= this.limits.maxInFlight && !this.closed) this.ws.pause()
  }

  endRequest(): void {
    this.inFlight--
    if (this.inFlight < this.limits.maxInFlight && this.ws.isPaused && !this.closed) this.ws.resume()
  }

  /** Starts the close handshake and ends every subscription. */
  close(code: number, reason: string): void {
    this.ws.close(code, reason)
    this.onClosed()
  }

  /** Drops the socket at once (no close handshake) and ends every subscription. */
  terminate(): void {
    this.ws.terminate()
    this.onClosed()
  }

  /** The socket closed (or is closing): end every subscription, running its cleanup. */
  onClosed(): void {
    if (this.closed) return
    this.closed = true
    const subs = [...this.subscriptions.values()]
    this.subscriptions.clear()
    for (const sub of subs) sub.end()
  }
}
