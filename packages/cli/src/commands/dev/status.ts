/**
 * The dev network's status line: the validator's head, and per storage node its own chain node's
 * best block, its sealed files and its spare room.
 */
import type { ApiPromise } from '@polkadot/api'

interface Workload {
  files: { valid: { num: number; size: number }; pending: { num: number } }
  srd: { srd_complete: number }
}

const MiB = 1024 * 1024
const GiB = 1024 * MiB

async function workload(sworkerApi: string): Promise<Workload | undefined> {
  try {
    const res = await fetch(`${sworkerApi}/api/v0/workload`, { signal: AbortSignal.timeout(2000) })
    return res.ok ? ((await res.json()) as Workload) : undefined
  } catch {
    return undefined
  }
}

/** A chain node's best block number over its JSON-RPC (HTTP on the same port as the WebSocket). */
async function bestBlock(chainRpc: string): Promise<number | undefined> {
  try {
    const res = await fetch(chainRpc.replace(/^ws/, 'http'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_getHeader', params: [] }),
      signal: AbortSignal.timeout(2000),
    })
    const body = (await res.json()) as { result?: { number: string } }
    return body.result === undefined ? undefined : Number.parseInt(body.result.number, 16)
  } catch {
    return undefined
  }
}

export async function statusLine(api: ApiPromise, nodes: Array<{ name: string; sworkerApi: string; chainRpc: string }>): Promise<string> {
  const [head, finalized] = await Promise.all([api.rpc.chain.getHeader(), api.rpc.chain.getFinalizedHead().then((h) => api.rpc.chain.getHeader(h))])
  const parts = await Promise.all(
    nodes.map(async (n) => {
      const [w, best] = await Promise.all([workload(n.sworkerApi), bestBlock(n.chainRpc)])
      if (w === undefined) return `${n.name}: down`
      const pending = w.files.pending.num > 0 ? ` (+${w.files.pending.num} sealing)` : ''
      return `${n.name}: #${best ?? '?'} ${w.files.valid.num} files ${(w.files.valid.size / MiB).toFixed(1)} MiB${pending}, SRD ${Math.round((w.srd.srd_complete * GiB) / MiB)} MiB`
    }),
  )
  return `#${head.number.toNumber()} (final #${finalized.number.toNumber()}) | ${parts.join(' | ')}`
}
