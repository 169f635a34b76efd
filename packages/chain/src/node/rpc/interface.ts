/** Who is calling: passed to every method and subscription handler. */
export interface RpcContext {
  /** Per WebSocket connection, or per HTTP request; unique for the server's lifetime. */
  connectionId: number
  transport: 'ws' | 'http'
  /** The peer's IP address (unsafe methods answer loopback peers only). */
  remoteAddress?: string
}

/**
 * Answers one method call. `params` is the request's positional params (`[]` when absent). Return a
 * JSON-serialisable value (`undefined` is sent as `null`; a `bigint` anywhere fails the call with
 * -32603); throw {@link RpcError} to send a specific JSON-RPC error.
 */
export type MethodHandler = (params: unknown[], ctx: RpcContext) => unknown | Promise<unknown>

/** The server side of one subscription, handed to {@link SubscriptionSpec.handler}. */
export interface SubscriptionSink {
  /** The subscription id the client received. */
  readonly id: string
  /**
   * Pushes one notification. Notifications sent before the subscribe response went out (even
   * synchronously inside the handler) are held and written right after it. No-op once ended.
   */
  send(result: unknown): void
  /** Closes the subscription server-side: later sends are dropped and the cleanup runs once. */
  end(): void
}

/** A subscription kind: how to start it, stop it, and what its notifications are called. */
export interface SubscriptionSpec {
  /** Method names that start it (aliases), e.g. `['chain_subscribeNewHeads', 'chain_subscribeNewHead']`. */
  subscribe: string[]
  /** Method names that stop it, e.g. `['chain_unsubscribeNewHeads', 'chain_unsubscribeNewHead']`. */
  unsubscribe: string[]
  /** `method` of its notifications, e.g. `chain_newHead`. */
  notification: string
  /**
   * Starts the subscription and returns its cleanup, which runs exactly once: on unsubscribe,
   * `sink.end()`, socket close or server stop. If it throws, the client gets the error and no
   * subscription exists.
   */
  handler: (params: unknown[], sink: SubscriptionSink, ctx: RpcContext) => (() => void) | Promise<() => void>
}

/** The logging the RPC server needs (a pino logger fits). */
export interface RpcLogger {
  warn(obj: object, msg: string): void
  debug?(obj: object, msg: string): void
}

/** A JSON-RPC request id as this server accepts it. */
export type JsonRpcId = string | number | null

/** The `error` member of a JSON-RPC response. */
export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/** Result of the built-in `rpc_methods`. */
export interface RpcMethodsResult {
  version: number
  methods: string[]
}
