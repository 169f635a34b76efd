/** A connection to a chain node's JSON-RPC, failing fast with a readable error. */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { SdkError } from './errors.js'

export interface ConnectChainOptions {
  signal?: AbortSignal
  /** The command-line option that names the URL, for the error's advice (default `--chain`). */
  flag?: string
}

export type ConnectChainReturnType = ApiPromise
export type ConnectChainErrorType = SdkError

function noChain(url: string, flag: string, cause?: unknown): SdkError {
  return new SdkError('SDK_ERROR_NO_CHAIN', `no chain node answers at ${url}: start one with \`crust dev\` or pass ${flag}`, { url }, { cause })
}

/** Opens a WebSocket once to see that something listens, so a dead URL fails without the API's reconnect noise. */
function probe(url: string, flag: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let ws: WebSocket
    try {
      ws = new WebSocket(url)
    } catch (err) {
      reject(noChain(url, flag, err))
      return
    }
    const onAbort = () => {
      ws.close()
      reject(new SdkError('SDK_ERROR_ABORTED', 'aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    ws.onopen = () => {
      signal?.removeEventListener('abort', onAbort)
      ws.close()
      resolve()
    }
    ws.onerror = (event) => {
      signal?.removeEventListener('abort', onAbort)
      reject(noChain(url, flag, event))
    }
  })
}

/** Connects to a chain node (`ws://` or `wss://`); rejects with `SDK_ERROR_NO_CHAIN` when none answers. */
export async function connectChain(url: string, options: ConnectChainOptions = {}): Promise<ConnectChainReturnType> {
  const flag = options.flag ?? '--chain'
  await probe(url, flag, options.signal)
  const provider = new WsProvider(url)
  try {
    return await ApiPromise.create({ provider: provider as unknown as ApiOptions['provider'], noInitWarn: true, throwOnConnect: true } as ApiOptions)
  } catch (err) {
    await provider.disconnect().catch(() => {})
    throw noChain(url, flag, err)
  }
}
