import { DEFAULT_RPC_CORS, type RpcCors } from './cors.js'
import type { RpcLogger } from './interface.js'

/** Construction options of {@link RpcServer}. */
export interface RpcServerInit {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string
  /** TCP port; `0` picks any free port (see the value `start()` returns). */
  port: number
  /** Largest HTTP body or WebSocket message accepted, in bytes; default 15 MiB (Substrate's). */
  maxRequestBytes?: number
  /** Largest single response or notification sent, in bytes; default 15 MiB (Substrate's). */
  maxResponseBytes?: number
  /** WebSocket connections plus in-flight HTTP requests served at once; default 100. */
  maxConnections?: number
  /** Active subscriptions one WebSocket connection may hold; default 1024. */
  maxSubscriptionsPerConnection?: number
  /** Entries allowed in one batch; default 1024. */
  maxBatchLength?: number
  /**
   * A WebSocket client whose unsent output (`bufferedAmount`, plus notifications held back until
   * their subscription id is written) exceeds this many bytes is disconnected; default 32 MiB.
   * Must be at least `maxResponseBytes`.
   */
  maxBufferedBytes?: number
  /** Requests of one WebSocket connection handled at once before reading from it pauses; default 1024. */
  maxInFlightPerConnection?: number
  /** How long `stop()` waits for WebSocket clients to answer the close handshake, in ms; default 1000. */
  stopGraceMs?: number
  /**
   * Browser origins served (Substrate's `--rpc-cors`): `all` or a list; default local pages and
   * polkadot.js apps. Requests from other origins get 403; requests without `Origin` are served.
   */
  cors?: RpcCors
  /** Gets handler failures (warn) and per-connection events (debug). Default: silent. */
  logger?: RpcLogger
}

/** Default values of the optional {@link RpcServerInit} fields. */
export const defaultRpcServerOptions = {
  host: '127.0.0.1',
  maxRequestBytes: 15 * 1024 * 1024,
  maxResponseBytes: 15 * 1024 * 1024,
  maxConnections: 100,
  maxSubscriptionsPerConnection: 1024,
  maxBatchLength: 1024,
  maxBufferedBytes: 32 * 1024 * 1024,
  maxInFlightPerConnection: 1024,
  stopGraceMs: 1000,
  cors: DEFAULT_RPC_CORS as RpcCors,
} as const

/** {@link RpcServerInit} with every default filled in. */
export type RpcServerOptions = Required<Omit<RpcServerInit, 'logger' | 'cors'>> & { logger: RpcLogger; cors: RpcCors }
