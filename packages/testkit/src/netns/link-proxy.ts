/**
 * A TCP link with the faults of a long-distance path, in user space (our kernels have no netem):
 * every chunk in each direction is held `latencyMs ± jitterMs` before it is passed on (in order),
 * with probability `loss` a chunk stalls `stallMs` more (what a lost segment costs TCP: a
 * retransmission), and each connection is reset with probability `resetRate` per chunk. Listens on
 * one address and forwards every connection to one target.
 */
import { createServer, type Server, type Socket, connect } from 'node:net'

export interface LinkFaults {
  latencyMs?: number
  jitterMs?: number
  /** Probability per chunk of a stall of `stallMs` (default 0). */
  loss?: number
  stallMs?: number
  /** Probability per chunk that the connection is reset (default 0). */
  resetRate?: number
}

export interface LinkProxyInit extends LinkFaults {
  listenHost: string
  /** 0 for a free port (see `port`). */
  listenPort?: number
  targetHost: string
  targetPort: number
  /** The random source (a seeded one makes a run replayable); Math.random by default. */
  random?: () => number
}

export class LinkProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private faults: Required<LinkFaults>
  private readonly random: () => number
  /** Connections reset by the proxy so far. */
  resets = 0

  constructor(private readonly init: LinkProxyInit) {
    this.random = init.random ?? Math.random
    this.faults = { latencyMs: 0, jitterMs: 0, loss: 0, stallMs: 300, resetRate: 0 }
    this.set(init)
  }

  /** Changes the faults of new chunks (connections stay open). */
  set(faults: LinkFaults): void {
    for (const [k, v] of Object.entries(faults)) if (v !== undefined && k in this.faults) (this.faults as Record<string, number>)[k] = v as number
  }

  get port(): number {
    const address = this.server?.address()
    if (address === null || address === undefined || typeof address === 'string') throw new Error('LinkProxy: not listening')
    return address.port
  }

  async start(): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.listenPort ?? 0, this.init.listenHost, () => resolve())
    })
  }

  /**
   * Relays one connection. Each direction ends (FIN) once its queued chunks are delivered, so a
   * half-close loses nothing; an error or reset on either side resets both at once.
   */
  private accept(client: Socket): void {
    const upstream = connect({ port: this.init.targetPort, host: this.init.targetHost, allowHalfOpen: true })
    const reset = () => {
      client.resetAndDestroy()
      upstream.resetAndDestroy()
    }
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
      s.on('error', reset)
    }
    this.pipe(client, upstream, reset)
    this.pipe(upstream, client, reset)
  }

  /**
   * Passes `from`'s chunks to `to`, each after its delay and never before the one ahead of it: one
   * queue and one timer per direction (timers of different lengths that expire together fire in no
   * promised order, and a reordered chunk corrupts the stream).
   */
  private pipe(from: Socket, to: Socket, reset: () => void): void {
    const queue: Array<{ chunk: Buffer; due: number }> = []
    let timer: NodeJS.Timeout | undefined
    let ended = false
    const drain = () => {
      timer = undefined
      const now = Date.now()
      while (queue.length > 0 && queue[0]!.due <= now) {
        const { chunk } = queue.shift()!
        if (!to.destroyed) to.write(chunk)
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0]!.due - now)
      else if (ended) to.end()
    }
    from.on('data', (chunk: Buffer) => {
      const f = this.faults
      if (f.resetRate > 0 && this.random() < f.resetRate) {
        this.resets++
        clearTimeout(timer)
        queue.length = 0
        reset()
        return
      }
      let delay = f.latencyMs + (this.random() * 2 - 1) * f.jitterMs
      if (f.loss > 0 && this.random() < f.loss) delay += f.stallMs
      const now = Date.now()
      queue.push({ chunk, due: Math.max(queue.at(-1)?.due ?? 0, now + Math.max(0, delay)) })
      timer ??= setTimeout(drain, Math.max(0, queue[0]!.due - now))
    })
    // The end (or a close without one) passes on after the chunks ahead of it.
    const finish = () => {
      if (ended) return
      ended = true
      if (queue.length === 0 && timer === undefined) to.end()
    }
    from.on('end', finish)
    from.on('close', finish)
    to.on('close', () => clearTimeout(timer))
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())))
  }
}
