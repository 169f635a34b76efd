/** The contract of the Kubo RPC API server. */

/** Address the server listens on. */
export interface KuboApiAddress {
  host: string
  port: number
}

/** A Kubo-compatible RPC API (`POST /api/v0/<command>`) over an {@link IpfsNode}. */
export interface KuboApiServer {
  /** Binds the port; resolves with the bound address (the real port when `port` was 0). */
  start(): Promise<KuboApiAddress>
  /** Stops accepting requests, lets in-flight ones finish (up to `stopGraceMs`), closes the port. */
  stop(): Promise<void>
}
