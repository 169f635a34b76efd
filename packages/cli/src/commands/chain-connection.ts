/** A chain connection for one command: connect, run, disconnect, without @polkadot/api's closing noise. */
import type { ApiPromise } from '@polkadot/api'
import { connectChain } from '@crust-ts/sdk'

const NORMAL_CLOSURE = /disconnected from \S+: 1000:: Normal Closure/

/**
 * @polkadot/api logs "RPC-CORE: …: disconnected from …: 1000:: Normal Closure" on stderr for
 * subscriptions it keeps open a moment after use (its refCountDelay) when we disconnect on purpose.
 * The command has already printed its result; drop exactly that line so stderr carries only ours.
 */
function dropNormalClosureLogs(): void {
  const original = console.error
  if ((original as { crustQuiet?: boolean }).crustQuiet === true) return
  const quiet = (...args: unknown[]) => {
    if (NORMAL_CLOSURE.test(args.map(String).join(' '))) return
    original(...args)
  }
  quiet.crustQuiet = true
  console.error = quiet
}

/** Runs `fn` with a chain connection, always disconnecting. */
export async function withChain<T>(url: string, fn: (api: ApiPromise) => Promise<T>): Promise<T> {
  const api = await connectChain(url)
  dropNormalClosureLogs()
  try {
    return await fn(api)
  } finally {
    await api.disconnect().catch(() => {})
  }
}
