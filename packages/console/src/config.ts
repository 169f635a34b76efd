/** What the console page learns from the server that serves it (`/config.json`): where to connect. */
export interface ConsoleConfig {
  /** The chain's JSON-RPC over WebSocket, e.g. `ws://127.0.0.1:9944`. */
  chainRpc: string
  /** The W3Auth gateway (uploads), e.g. `http://127.0.0.1:5050`; absent: the Files page cannot upload. */
  gateway?: string
  /** A read gateway for `/ipfs/<cid>` links, e.g. `http://127.0.0.1:8080`. */
  ipfsGateway?: string
  /** Dev mode: offer the well-known dev accounts (//Alice ...) without a wallet extension. */
  devAccounts: boolean
  /** A name for the page header, e.g. `crust dev`. */
  network?: string
  /**
   * Storage nodes whose read-only status (`GET /status`: sealed bytes, SRD, tasks, challenges,
   * retrieval ranks) the Nodes page reads from the browser; each must allow the console's origin.
   */
  storageNodes?: StorageNodeLink[]
  /**
   * An EVM chain with Crust's storage-order contract: the Files page can pay for an order there
   * (an injected EVM wallet, or in dev mode the dev node's unlocked accounts).
   */
  evm?: { rpc: string; chainId: number; storageOrder: `0x${string}` }
}

/** A storage node the console knows: its account (as on chain) and its status URL. */
export interface StorageNodeLink {
  name: string
  account: string
  status: string
}

/** The console's default port (DESIGN.md). */
export const DEFAULT_CONSOLE_PORT = 3001

/** The origins a browser gives the console served on this loopback port (the chain's `--rpc-cors` must admit them). */
export function consoleOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
}
