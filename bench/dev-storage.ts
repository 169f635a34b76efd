/**
 * End to end on `crust dev` (the default dev chain: 1 s blocks, 60-block report slots): a 100 MiB
 * file added through storage node A and ordered; the time from the order's inclusion to three
 * reported replicas, split into pull (IPFS), seal (sWorker) and report wait (until the slot's
 * work reports land), read from each node's sManager task history. Anchor: adding the same file
 * to node A, measured in the same run.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'

const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/src/bin.js', import.meta.url))

interface DevNode {
  name: string
  ipfsApi: string
  smanagerApi: string
}

interface History {
  at: number
  status: string
}

export interface DevStorageBench {
  sizeBytes: number
  addMs: number
  orderToReplicasMs: number
  perNode: Array<{ name: string; pullMs: number; sealMs: number }>
  reportWaitMs: number
}

function pseudoRandom(size: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = 0x9e3779b9
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 255
    out[i + 1] = (x >>> 8) & 255
    out[i + 2] = (x >>> 16) & 255
    out[i + 3] = (x >>> 24) & 255
  }
  return out
}

async function startDev(base: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI_BIN, 'dev', '--base-path', base, '--rpc-port', '0', '--ipfs-api-port', '0', '--gateway-port', '0', '--no-gateway', '--no-console'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"dev network ready"')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`crust dev exited (${code})`)))
  })
  return child
}

export async function runDevStorageBench(opts: { sizeMiB?: number } = {}): Promise<DevStorageBench> {
  await cryptoWaitReady()
  const base = mkdtempSync(join(tmpdir(), 'crust-ts-bench-dev-'))
  const dev = await startDev(join(base, 'dev'))
  try {
    const info = JSON.parse(readFileSync(join(base, 'dev', 'network.json'), 'utf8')) as { chainRpc: string; storageNodes: DevNode[] }
    const api = await ApiPromise.create({ provider: new WsProvider(info.chainRpc) as unknown as ApiOptions['provider'], noInitWarn: true } as ApiOptions)
    const nodeA = info.storageNodes[0]!
    const bytes = pseudoRandom((opts.sizeMiB ?? 100) * 1024 * 1024)
    const form = new FormData()
    form.append('file', new Blob([bytes]), 'bench.bin')
    const addStart = performance.now()
    const { Hash: cid } = (await (await fetch(`${nodeA.ipfsApi}/api/v0/add?cid-version=1`, { method: 'POST', body: form })).json()) as { Hash: string }
    const addMs = performance.now() - addStart
    const { CumulativeSize: size } = (await (await fetch(`${nodeA.ipfsApi}/api/v0/files/stat?arg=/ipfs/${cid}`, { method: 'POST' })).json()) as {
      CumulativeSize: number
    }
    const alice = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Alice')
    const included = await new Promise<number>((resolve, reject) => {
      api.tx.market
        .placeStorageOrder(cid, size, 0, '')
        .signAndSend(alice, (r) => {
          if (r.status.isInBlock) resolve(Date.now())
        })
        .catch(reject)
    })
    const replicated = await new Promise<number>((resolve) => {
      const unsubscribe = api.rpc.chain.subscribeNewHeads(async () => {
        const file = (await api.query.market.filesV2(cid)).toJSON() as { reportedReplicaCount: number } | null
        if (file !== null && file.reportedReplicaCount >= 3) {
          ;(await unsubscribe)()
          resolve(Date.now())
        }
      })
    })
    const perNode = await Promise.all(
      info.storageNodes.map(async (n) => {
        const task = (await (await fetch(`${n.smanagerApi}/api/v0/tasks/${cid}`)).json()) as { history: History[] }
        const at = (status: string) => task.history.find((h) => h.status === status)?.at ?? Number.NaN
        return { name: n.name, pullMs: at('sealing') - at('pulling'), sealMs: at('sealed') - at('sealing'), sealedAt: at('sealed') }
      }),
    )
    await api.disconnect()
    return {
      sizeBytes: bytes.length,
      addMs,
      orderToReplicasMs: replicated - included,
      perNode: perNode.map(({ name, pullMs, sealMs }) => ({ name, pullMs, sealMs })),
      reportWaitMs: replicated - Math.max(...perNode.map((n) => n.sealedAt)),
    }
  } finally {
    dev.kill('SIGINT')
    await new Promise((r) => dev.once('exit', r))
    rmSync(base, { recursive: true, force: true })
  }
}

export function formatDevStorageBench(r: DevStorageBench): string {
  const mib = r.sizeBytes / 1024 / 1024
  const slowestPull = Math.max(...r.perNode.map((n) => n.pullMs))
  const slowestSeal = Math.max(...r.perNode.map((n) => n.sealMs))
  return [
    `crust dev: ${mib} MiB file, order inclusion -> 3 reported replicas in ${(r.orderToReplicasMs / 1000).toFixed(1)} s (1 s blocks, 60-block report slots)`,
    ...r.perNode.map(
      (n) =>
        `  ${n.name}: pull ${(n.pullMs / 1000).toFixed(1)} s (${(mib / (n.pullMs / 1000)).toFixed(0)} MiB/s), seal ${(n.sealMs / 1000).toFixed(1)} s (${(mib / (n.sealMs / 1000)).toFixed(0)} MiB/s)`,
    ),
    `  report wait after the last seal: ${(r.reportWaitMs / 1000).toFixed(1)} s (the next report slot; bounded by the slot length)`,
    `  anchor: adding the file to node A took ${(r.addMs / 1000).toFixed(1)} s; ratio (slowest pull + seal) : add = ${((slowestPull + slowestSeal) / r.addMs).toFixed(2)}`,
  ].join('\n')
}
