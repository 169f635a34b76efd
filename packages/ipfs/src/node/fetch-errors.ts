import type { Blocks } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import { IpfsNodeError, IpfsNodeErrorCode } from './errors.js'

/**
 * Normalises a failed block read: Helia wraps broker failures in `LoadBlockFailedError` (an
 * AggregateError) and reports offline misses as `BlockNotFoundWhileOfflineError`; both become
 * {@link IpfsNodeError} `IPFS_ERROR_NOT_FOUND` (the broker's own timeout error is passed through
 * as is). A read the caller cancelled (its signal aborted) keeps its original error, and any other
 * error is returned unchanged.
 */
export function toFetchError(err: unknown, cid: CID, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return err
  if (err instanceof IpfsNodeError) return err
  const name = (err as { name?: unknown } | undefined)?.name
  if (name === 'LoadBlockFailedError') {
    const inner = (err as AggregateError).errors?.find((e): e is IpfsNodeError => e instanceof IpfsNodeError)
    if (inner !== undefined) return inner
    return new IpfsNodeError(
      { code: IpfsNodeErrorCode.NOT_FOUND, cid: cid.toString(), reason: 'unavailable' },
      `block ${cid} not found: no block broker could fetch it`,
      { cause: err },
    )
  }
  if (name === 'BlockNotFoundWhileOfflineError') {
    return new IpfsNodeError(
      { code: IpfsNodeErrorCode.NOT_FOUND, cid: cid.toString(), reason: 'offline' },
      `block ${cid} is not stored and the read was offline`,
      { cause: err },
    )
  }
  return err
}

/**
 * The block view UnixFS reads through: Helia's blockstore, with fetch failures normalised by
 * {@link toFetchError} so `cat`, `ls` and `stat` fail with `IPFS_ERROR_NOT_FOUND`.
 */
export function notFoundMappingBlocks(blocks: Blocks): Pick<Blocks, 'get' | 'put' | 'has'> {
  return {
    has: (cid, options) => blocks.has(cid, options),
    put: (cid, bytes, options) => blocks.put(cid, bytes, options),
    get: async function* (cid, options) {
      try {
        yield* blocks.get(cid, options)
      } catch (err) {
        throw toFetchError(err, cid, options?.signal)
      }
    },
  }
}
