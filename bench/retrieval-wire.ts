/** What the retrieval benchmark (bench/retrieval-holders.ts) and its holder processes (bench/retrieval-holder.ts) share. */

/** The message a holder sends once it holds every file. */
export interface HolderReady {
  peerId: string
  multiaddrs: string[]
  /** The small files' CIDs, in order, then the big file's. */
  cids: string[]
  /** The `pullMib` file's CID, when it was asked for. */
  pullCid?: string
  /** The port of its Kubo API on its address (with `pullCid`). */
  apiPort?: number
}

/** The protocol on which holder 0 sends its pull file's size in bytes down every stream (the pull's anchor). */
export const RAW_PULL_PROTOCOL = '/crust-ts/bench/raw-pull/1.0.0'
