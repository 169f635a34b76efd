/** The two IPFS calls the engine needs: pin the DAG on the node, and its cumulative size. */
import { OrderError, OrderErrorCode } from './errors.js'

async function call(api: string, path: string, signal: AbortSignal): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(new URL(path, api), { method: 'POST', signal })
  } catch (cause) {
    throw new OrderError(OrderErrorCode.IPFS_FAILED, `IPFS ${path.split('?')[0]} failed: ${(cause as Error).message}`, {}, { cause })
  }
  const text = await res.text()
  if (!res.ok) {
    let message = text
    try {
      message = (JSON.parse(text) as { Message?: string }).Message ?? text
    } catch {
      // plain text error
    }
    throw new OrderError(OrderErrorCode.IPFS_FAILED, `IPFS ${path.split('?')[0]}: ${message}`, { status: res.status })
  }
  return JSON.parse(text)
}

/** `pin/add` (recursive) so the node holds the whole DAG, then `files/stat` → CumulativeSize. */
export async function pinAndSize(api: string, cid: string, signal: AbortSignal): Promise<number> {
  const arg = encodeURIComponent(cid)
  await call(api, `/api/v0/pin/add?arg=${arg}&recursive=true`, signal)
  const stat = (await call(api, `/api/v0/files/stat?arg=${encodeURIComponent(`/ipfs/${cid}`)}`, signal)) as { CumulativeSize?: number }
  if (typeof stat.CumulativeSize !== 'number' || stat.CumulativeSize <= 0) {
    throw new OrderError(OrderErrorCode.IPFS_FAILED, `IPFS files/stat gave no cumulative size for ${cid}`)
  }
  return stat.CumulativeSize
}
