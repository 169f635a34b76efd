import type { RpcLogger, SubscriptionSink, SubscriptionSpec } from './interface.js'
import { notificationMessage, serializeValue } from './protocol.js'

/** What a {@link Subscription} needs from the connection that owns it. */
export interface SubscriptionHost {
  readonly logger: RpcLogger
  /** Largest notification sent, in bytes. */
  readonly maxResponseBytes: number
  /** Largest total of notifications held back before the subscribe response is written. */
  readonly maxHeldBytes: number
  /** Writes one message to the client (no-op when the connection is closed). */
  write(text: string): void
  /** Held notifications exceeded `maxHeldBytes`: drop the client. */
  overflow(): void
  /** Forgets the subscription (it ended). */
  remove(sub: Subscription): void
}

/**
 * One subscription of one connection. It starts pending: notifications are held until
 * {@link activate} (called right after the response carrying the id is written), so the id always
 * reaches the client first. Its cleanup runs exactly once, whichever of `end()` and `setCleanup()`
 * comes last.
 */
export class Subscription implements SubscriptionSink {
  readonly id: string
  readonly spec: SubscriptionSpec
  private readonly host: SubscriptionHost
  private active = false
  private ended = false
  private held: string[] = []
  private heldBytes = 0
  private cleanup: (() => void) | undefined
  private cleanupDone = false

  constructor(host: SubscriptionHost, spec: SubscriptionSpec, id: string) {
    this.host = host
    this.spec = spec
    this.id = id
  }

  get isEnded(): boolean {
    return this.ended
  }

  send(result: unknown): void {
    if (this.ended) return
    let text: string
    try {
      text = notificationMessage(this.spec.notification, this.id, serializeValue(result))
    } catch (err) {
      this.host.logger.warn({ err, notification: this.spec.notification }, 'rpc notification not serialisable, dropped')
      return
    }
    const bytes = Buffer.byteLength(text)
    if (bytes > this.host.maxResponseBytes) {
      this.host.logger.warn({ bytes, notification: this.spec.notification }, 'rpc notification too big, dropped')
      return
    }
    if (this.active) {
      this.host.write(text)
      return
    }
    this.held.push(text)
    this.heldBytes += bytes
    if (this.heldBytes > this.host.maxHeldBytes) this.host.overflow()
  }

  end(): void {
    if (this.ended) return
    this.ended = true
    this.host.remove(this)
    this.runCleanup()
  }

  /** Stores the cleanup the handler returned; runs it at once if the subscription already ended. */
  setCleanup(cleanup: () => void): void {
    this.cleanup = cleanup
    if (this.ended) this.runCleanup()
  }

  /** The subscribe response was written: flush held notifications (those sent before any end()). */
  activate(): void {
    if (this.active) return
    this.active = true
    const held = this.held
    this.held = []
    this.heldBytes = 0
    for (const text of held) this.host.write(text)
  }

  /** The handler failed: forget the subscription without a cleanup (none was returned). */
  discard(): void {
    this.ended = true
    this.held = []
    this.heldBytes = 0
    this.host.remove(this)
  }

  private runCleanup(): void {
    if (this.cleanupDone || this.cleanup === undefined) return
    this.cleanupDone = true
    try {
      this.cleanup()
    } catch (err) {
      this.host.logger.warn({ err, notification: this.spec.notification }, 'rpc subscription cleanup failed')
    }
  }
}
