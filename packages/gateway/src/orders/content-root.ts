/**
 * The content root the engine orders a new file with (issue #18): the sdk's `dagContentRoot`, the
 * function `crust upload` uses, over the DAG the engine fetched and pinned (its blocks are on the
 * node by then). None for a DAG a root cannot cover (a block of another codec: no storage node
 * seals those either) or whose content is not the size being ordered (the chain would refuse the
 * root); the chain then fixes the root its first holders agree on.
 */
import type { Logger } from '@crust-ts/base'
import { type ContentRootReturnType, dagContentRoot, SdkError } from '@crust-ts/sdk'

export interface OrderContentRootParameters {
  /** The node's Kubo API base URL. */
  ipfsApi: string
  cid: string
  /** The size the order is placed with (the DAG's tree size). */
  size: number
  signal?: AbortSignal
  log?: Logger | undefined
}

/** The root to order `cid` with, or undefined (see above). Rejects with the Kubo client's error when a block cannot be read. */
export async function orderContentRoot(params: OrderContentRootParameters): Promise<ContentRootReturnType | undefined> {
  const { cid, size } = params
  let root: ContentRootReturnType
  try {
    root = await dagContentRoot({ cid, ipfsApi: params.ipfsApi, ...(params.signal === undefined ? {} : { signal: params.signal }) })
  } catch (err) {
    if (err instanceof SdkError && err.code === 'SDK_ERROR_UNSUPPORTED_CODEC') {
      params.log?.info({ cid, err: err.message }, 'ordering without a content root: the DAG has blocks a root cannot cover')
      return undefined
    }
    throw err
  }
  // Empty content has no root on chain; a content that is not the ordered size would be refused (IllegalFileRoot).
  if (root.size === 0) return undefined
  if (root.size !== size) {
    params.log?.warn({ cid, size, contentSize: root.size }, 'ordering without a content root: the content is not the size ordered')
    return undefined
  }
  return root
}
