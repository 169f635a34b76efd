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
    const server = createServer((client) => this.accept(client))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.listenPort ?? 0, this.init.listenHost, () => resolve())
    })
  }

  private accept(client: Socket): void {
    const upstream = connect(this.init.targetPort, this.init.targetHost)
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
      s.on('error', () => {})
    }
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
    this.pipe(client, upstream, end)
    this.pipe(upstream, client, end)
  }

  /** Passes `from`'s chunks to `to`, each after its delay and never before the one ahead of it. */
  private pipe(from: Socket, to: Socket, reset: () => void): void {
    let due = 0
    let pending = 0
    let ended = false
    from.on('data', (chunk: Buffer) => {
      const f = this.faults
      if (f.resetRate > 0 && this.random() < f.resetRate) {
        this.resets++
        from.resetAndDestroy()
        to.resetAndDestroy()
        reset()
        return
      }
      let delay = f.latencyMs + (this.random() * 2 - 1) * f.jitterMs
      if (f.loss > 0 && this.random() < f.loss) delay += f.stallMs
      due = Math.max(due, Date.now() + Math.max(0, delay))
      pending++
      setTimeout(() => {
        pending--
        if (!to.destroyed) to.write(chunk)
        if (ended && pending === 0) to.end()
      }, due - Date.now())
    })
    from.on('end', () => {
      ended = true
      if (pending === 0) to.end()
    })
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())))
  }
}
