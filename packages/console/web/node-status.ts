/**
 * A storage node's read-only status (`GET /status`, served by the node to allowed origins): the
 * part of its shape the Nodes page shows. The node defines the full shape (@crust-ts/node's
 * `NodeStatus`); the console, a client, reads only these fields and checks the version.
 */

/** The status shape this page reads. */
export const NODE_STATUS_VERSION = 1

export interface NodeStatusView {
  version: number
  account: string
  chain: { best: number; finalized: number; lastHeadAgeMs?: number; ownNode: boolean; peers?: number }
  sworker?: {
    srd: { bytes: number; units: number; unitSize: number }
    files: Record<string, { count: number; bytes: number }>
    lastReport?: { slot: number; submitted: boolean; reason?: string }
  }
  smanager?: { tasks: Record<string, number>; challenges?: { received: number; passed: number; failed: number; missed: number } }
  ipfs?: { peers: number; rankedPeers: number; ranked: Array<{ peerId: string; score: number; failures: number }> }
}

/** Reads a node's status; rejects with a sentence that says what to check. */
export async function readNodeStatus(url: string, signal?: AbortSignal): Promise<NodeStatusView> {
  let res: Response
  try {
    res = await fetch(`${url}?peers=3`, { cache: 'no-store', ...(signal === undefined ? {} : { signal }) })
  } catch {
    throw new Error(`cannot reach the node's status at ${url}: is the node running, and does its statusCors admit this page's origin?`)
  }
  const body = (await res.json().catch(() => undefined)) as (NodeStatusView & { code?: string; message?: string }) | undefined
  if (!res.ok) throw new Error(`the node's status answered ${res.status}${body?.message === undefined ? '' : `: ${body.message}`}`)
  if (body?.version !== NODE_STATUS_VERSION) throw new Error(`the node's status is version ${body?.version}; this console reads version ${NODE_STATUS_VERSION}`)
  return body
}
