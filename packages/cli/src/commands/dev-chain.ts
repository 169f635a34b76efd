/** Dev-key defaults (`//Alice`, `//Bob`) apply only on the dev chain: this asks a chain node which chain it runs. */

/** How long to wait for the chain node's answer. */
export const DEV_CHAIN_CHECK_TIMEOUT_MS = 5000

/** The HTTP form of a chain RPC URL (Substrate nodes answer JSON-RPC over HTTP on the WebSocket port). */
function httpUrl(rpc: string): string {
  return rpc.replace(/^ws(s?):\/\//i, 'http$1://')
}

/**
 * Whether the chain node at `rpc` runs a chain whose keys are the well-known dev keys:
 * `system_chainType` is `Development` (`--chain dev`, `crust dev`) or `Local` (`--chain local`,
 * `crust dev --validators n`). A `Live` chain, an unreachable node or anything else: false.
 */
export async function isDevChain(rpc: string, timeoutMs = DEV_CHAIN_CHECK_TIMEOUT_MS): Promise<boolean> {
  try {
    const res = await fetch(httpUrl(rpc), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_chainType', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (!res.ok) return false
    const body = (await res.json()) as { result?: unknown }
    return body.result === 'Development' || body.result === 'Local'
  } catch {
    return false
  }
}
