/**
 * A thin JSON-RPC 2.0 client over one WebSocket: calls and Substrate-style subscriptions. The
 * first page reads the chain's heads through it, so it ships without @polkadot/api (which is
 * loaded only when a page decodes blocks or signs).
 */
type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void }

/** The node could not be reached or dropped the connection. */
export class RpcUnreachableError extends Error {
  override readonly name = 'RpcUnreachableError'
}

export class RpcClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly subscriptions = new Map<string, (result: unknown) => void>()
  private readonly closeListeners: Array<(err: Error) => void> = []

  private constructor(
    private readonly ws: WebSocket,
    readonly url: string,
  ) {
    ws.onmessage = (event) => this.onMessage(String(event.data))
    ws.onclose = () => {
      const err = new RpcUnreachableError(`the connection to the chain node at ${url} closed`)
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
      for (const listener of this.closeListeners) listener(err)
    }
  }

  /** Opens the socket; rejects with {@link RpcUnreachableError} when the node does not answer. */
  static connect(url: string): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket
      try {
        ws = new WebSocket(url)
      } catch {
        reject(new RpcUnreachableError(`${url} is not a WebSocket address`))
        return
      }
      ws.onopen = () => resolve(new RpcClient(ws, url))
      ws.onerror = () => reject(new RpcUnreachableError(`cannot reach the chain node at ${url}`))
    })
  }

  onClose(listener: (err: Error) => void): void {
    this.closeListeners.push(listener)
  }

  call<T>(method: string, params: unknown[] = []): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  }

  /** Subscribes; `onData` gets each notification's result. Resolves with the unsubscribe function. */
  async subscribe<T>(method: string, unsubscribeMethod: string, params: unknown[], onData: (result: T) => void): Promise<() => void> {
    const id = await this.call<string>(method, params)
    this.subscriptions.set(id, onData as (r: unknown) => void)
    return () => {
      this.subscriptions.delete(id)
      if (this.ws.readyState === WebSocket.OPEN) this.call(unsubscribeMethod, [id]).catch(() => {})
    }
  }

  close(): void {
    this.ws.close()
  }

  private onMessage(text: string): void {
    const msg = JSON.parse(text) as {
      id?: number
      result?: unknown
      error?: { message: string }
      params?: { subscription: string; result: unknown }
    }
    if (msg.params !== undefined) {
      this.subscriptions.get(msg.params.subscription)?.(msg.params.result)
      return
    }
    if (typeof msg.id !== 'number') return
    const p = this.pending.get(msg.id)
    if (p === undefined) return
    this.pending.delete(msg.id)
    if (msg.error !== undefined) p.reject(new Error(msg.error.message))
    else p.resolve(msg.result)
  }
}

/** A header as the JSON-RPC sends it. */
export interface RpcHeader {
  number: string
  parentHash: string
  stateRoot: string
}

export const headerNumber = (h: RpcHeader): number => Number.parseInt(h.number, 16)
