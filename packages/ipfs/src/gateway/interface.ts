/** The gateway's contract: an HTTP server over an {@link IpfsNode}, started and stopped by its owner. */

/** Where the gateway listens once started. */
export interface GatewayAddress {
  host: string
  port: number
}

/** A read-only IPFS path + trustless gateway (`GET`/`HEAD /ipfs/<cid>[/<path>]`). */
export interface GatewayServer {
  /** Binds the port; resolves with the bound address (the real port when `port` was 0). */
  start(): Promise<GatewayAddress>
  /** Aborts in-flight requests, closes every connection and resolves once the port is closed. */
  stop(): Promise<void>
}
