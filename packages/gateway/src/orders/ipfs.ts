/** The two IPFS calls the engine needs, over the SDK's Kubo client: pin the DAG on the node, and its cumulative size. */
import { createKuboClient, KuboError } from '@crust-ts/sdk'
import { OrderError, OrderErrorCode } from './errors.js'

/** The engine's words for a failed call: Kubo's message, or how the request failed. */
function ipfsFailure(command: string, err: unknown): OrderError {
  if (err instanceof KuboError && err.status !== undefined) {
    return new OrderError(OrderErrorCode.IPFS_FAILED, `IPFS /api/v0/${command}: ${err.detail}`, err.status === 200 ? {} : { status: err.status }, {
      cause: err,
    })
  }
  const cause = err instanceof KuboError ? err.cause : err instanceof Error && err.cause !== undefined ? err.cause : err
  const message = cause instanceof Error ? cause.message : String(cause)
  // The cause stays the client's error: its code tells an unreachable API from a failed call.
  return new OrderError(OrderErrorCode.IPFS_FAILED, `IPFS /api/v0/${command} failed: ${message}`, {}, { cause: err })
}

/**
 * Whether `err` (or an error it was caused by) says the node's IPFS API did not answer at all: the
 * service's own backend is down or cut off, which says nothing about the pin, so no attempt is
 * counted (five attempts over half a minute gave up on pins a restarting node would have served).
 */
export function ipfsUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === 'SDK_ERROR_IPFS_UNREACHABLE') return true
  }
  return false
}

/** `pin/add` (recursive) so the node holds the whole DAG, then `files/stat` → CumulativeSize. */
export async function pinAndSize(api: string, cid: string, signal: AbortSignal): Promise<number> {
  const kubo = createKuboClient({ url: api })
  try {
    await kubo.pin.add(cid, { recursive: true, signal })
  } catch (err) {
    throw ipfsFailure('pin/add', err)
  }
  let size: number
  try {
    size = (await kubo.files.stat(`/ipfs/${cid}`, { signal })).cumulativeSize
  } catch (err) {
    if (err instanceof KuboError && err.status === 200) size = 0
    else throw ipfsFailure('files/stat', err)
  }
  if (size <= 0) throw new OrderError(OrderErrorCode.IPFS_FAILED, `IPFS files/stat gave no cumulative size for ${cid}`)
  return size
}
