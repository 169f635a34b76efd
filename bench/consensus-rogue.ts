/**
 * Consensus under a hostile peer: four validator processes of the `local` chain at 1 s slots, first
 * idle, then while rogue peers (testkit's RoguePeer) flood them: a false status (best = 10^9) with
 * endless answers, orphan blocks with random parents, pushes of forged-signature transactions;
 * each banned rogue is replaced by a fresh identity, so the flood lasts the whole phase. Blocks per
 * minute and the finality lag (best - finalized, sampled each second on node 0) in both phases,
 * and each node's peak RSS under the flood vs idle.
 *
 * Alone (after `npx tsc -b bench`): `npx node bench/dist/consensus-rogue.js [--seconds N]`.
 */
import { readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { loadConsensusFixture, type NodeProcess, type RpcClient } from './consensus-fixture.js'

interface Rogue {
  readonly peerId: { toString(): string }
  readonly host: { getConnections(): Array<{ remotePeer: unknown }> }
  connect(addrs: string[]): Promise<number>
  floodOrphans(count: number, number: number, slot: number): Promise<number>
  pushTransactions(peer: unknown, txs: Uint8Array[]): Promise<string>
  stop(): Promise<void>
}
interface Testkit {
  RoguePeer: { create(init: { genesisHash: string; claimBest?: number; mode?: 'empty' | 'endless' | 'hang'; endlessFrames?: number }): Promise<Rogue> }
  forgeSignature(tx: Uint8Array): Uint8Array
}

/** One phase's figures on node 0 (RSS per node). */
export interface RoguePhase {
  blocksPerMinute: number
  /** Blocks finalized per minute on node 0 (how fast finality moves, beside how far it trails). */
  finalizedPerMinute: number
  /** Mean of best - finalized, in blocks, sampled each second. */
  finalityLag: number
  /** Each node's peak RSS in the phase (MiB). */
  rssMiB: number[]
}

export interface ConsensusRogueBench {
  seconds: number
  idle: RoguePhase
  flood: RoguePhase & { rogues: number; orphans: number; forged: number }
}

const AUTHORITIES = ['Alice//stash', 'Bob//stash', 'Charlie//stash', 'Dave//stash']
const rssMiB = (pid: number | undefined): number => {
  if (pid === undefined) return 0
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? 0 : Number(m[1]) / 1024
}

export async function runConsensusRogueBench(opts: { seconds?: number } = {}): Promise<ConsensusRogueBench> {
  await cryptoWaitReady()
  const seconds = opts.seconds ?? 40
  const fx = await loadConsensusFixture()
  const kit = (await import(new URL('../../packages/testkit/dist/src/index.js', import.meta.url).href)) as Testkit
  const root = fx.tempDir('crust-consensus-rogue-bench-')
  const nodes: NodeProcess[] = []
  const clients: RpcClient[] = []
  const rogues: Rogue[] = []
  try {
    for (const key of AUTHORITIES) {
      const node = await fx.startNode(root, key.split('//')[0]!, { blockTimeMs: 1000, bootstrap: nodes.flatMap((n) => n.addrs), validatorKey: `//${key}` })
      nodes.push(node)
      clients.push(await fx.RpcClient.connect(node.rpc))
    }
    const c0 = clients[0]!
    const genesisHash = await c0.call<string>('chain_getBlockHash', [0])
    const finalizedNumber = async () =>
      Number.parseInt((await c0.call<{ number: string }>('chain_getHeader', [await c0.call<string>('chain_getFinalizedHead')])).number, 16)
    while ((await finalizedNumber()) < 3) await new Promise((r) => setTimeout(r, 200))

    // Forged transfers (immortal, one signature byte flipped), signed once.
    const api = await ApiPromise.create({ provider: new WsProvider(nodes[0]!.rpc) as unknown as ApiOptions['provider'], noInitWarn: true } as ApiOptions)
    const forged: Uint8Array[] = []
    try {
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const bob = keyring.addFromUri('//Bob')
      const dest = keyring.addFromUri('//Ferdie').address
      for (let i = 0; i < 256; i++)
        forged.push(
          kit.forgeSignature((await api.tx.balances.transferKeepAlive(dest, 1_000_000_000n + BigInt(i)).signAsync(bob, { nonce: i, era: 0 })).toU8a()),
        )
    } finally {
      await api.disconnect()
    }

    /** Samples a phase of `seconds` while `tick` runs (once per sample). */
    const phase = async (tick: () => Promise<void>): Promise<RoguePhase> => {
      const startBest = await c0.bestNumber()
      const startFinalized = await finalizedNumber()
      const started = performance.now()
      const lags: number[] = []
      const peaks = nodes.map(() => 0)
      while (performance.now() - started < seconds * 1000) {
        const next = performance.now() + 1000
        // Finalized first: a block authored between the two reads counts toward the lag, never below zero.
        const finalized = await finalizedNumber()
        lags.push((await c0.bestNumber()) - finalized)
        nodes.forEach((n, i) => {
          peaks[i] = Math.max(peaks[i]!, rssMiB(n.child.pid))
        })
        await tick()
        const wait = next - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      const minutes = (performance.now() - started) / 60_000
      return {
        blocksPerMinute: ((await c0.bestNumber()) - startBest) / minutes,
        finalizedPerMinute: ((await finalizedNumber()) - startFinalized) / minutes,
        finalityLag: lags.reduce((a, b) => a + b, 0) / lags.length,
        rssMiB: peaks,
      }
    }

    const idle = await phase(async () => {})

    let orphans = 0
    let pushed = 0
    const addrs = nodes.map((n) => n.addrs[0]!)
    const fresh = async (mode: 'endless' | 'empty') => {
      const r = await kit.RoguePeer.create({ genesisHash, claimBest: 1_000_000_000, mode, endlessFrames: 100_000 })
      rogues.push(r)
      await r.connect(addrs)
      return r
    }
    // A liar in status with endless answers, and a flooder of orphans and forged transactions; each replaced when cut off everywhere.
    let liar = await fresh('endless')
    let flooder = await fresh('empty')
    const flood = await phase(async () => {
      if (liar.host.getConnections().length === 0) liar = await fresh('endless')
      if (flooder.host.getConnections().length === 0) flooder = await fresh('empty')
      const best = await c0.bestNumber()
      orphans += await flooder.floodOrphans(50, best + 1, Math.floor(Date.now() / 1000))
      for (const c of flooder.host.getConnections()) {
        await flooder.pushTransactions(c.remotePeer, forged)
        pushed += forged.length
      }
    })
    return { seconds, idle, flood: { ...flood, rogues: rogues.length, orphans, forged: pushed } }
  } finally {
    for (const r of rogues) await r.stop().catch(() => {})
    for (const c of clients) c.close()
    for (const node of nodes) node.child.kill('SIGTERM')
    await Promise.all(nodes.map((node) => node.exited))
    rmSync(root, { recursive: true, force: true })
  }
}

export function formatConsensusRogueBench(r: ConsensusRogueBench): string {
  const { idle, flood } = r
  const rss = flood.rssMiB.map((f, i) => `${idle.rssMiB[i]!.toFixed(0)}→${f.toFixed(0)} MiB (${(f / idle.rssMiB[i]!).toFixed(2)}x)`).join(', ')
  const worst = Math.max(...flood.rssMiB.map((f, i) => f / idle.rssMiB[i]!))
  return [
    `consensus under a rogue peer: 4 validators at 1 s slots, ${r.seconds} s idle then ${r.seconds} s flooded (${flood.rogues} rogue identities: false status + endless answers, ${flood.orphans} orphan blocks, ${flood.forged} forged-signature transactions pushed)`,
    `  blocks/min idle ${idle.blocksPerMinute.toFixed(1)}, flooded ${flood.blocksPerMinute.toFixed(1)}: ratio ${(flood.blocksPerMinute / idle.blocksPerMinute).toFixed(2)} (target >= 0.95)`,
    `  finalized/min idle ${idle.finalizedPerMinute.toFixed(1)}, flooded ${flood.finalizedPerMinute.toFixed(1)}: ratio ${(flood.finalizedPerMinute / idle.finalizedPerMinute).toFixed(2)} (target >= 0.95); finality lag (best - finalized, mean of 1 s samples; absolute) idle ${idle.finalityLag.toFixed(2)} blocks, flooded ${flood.finalityLag.toFixed(2)} blocks`,
    `  peak RSS per node idle→flooded: ${rss}; worst ${worst.toFixed(2)}x (target <= 1.5x)`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--seconds')
  console.log(formatConsensusRogueBench(await runConsensusRogueBench(at >= 0 ? { seconds: Number(args[at + 1]) } : {})))
}
