/**
 * State sync benchmark: a fresh pruned node catching up with a peer whose chain is 1,000 and 5,000
 * blocks long (two signed transfers a block, a justification of the 4 `local` authorities every 64
 * blocks), over real libp2p hosts on loopback in this process: full sync (headers first, every
 * block executed) against state sync (headers, justifications, one state download; no block
 * executed). Prints both times (absolute) and state sync's time as a ratio to full sync's for the
 * same history, measured in the same run (median of 3 rounds where a full sync takes under a minute,
 * else one; the two alternate within a round).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '@crust-ts/base'
import {
  type BlockSigner,
  builtinSpec,
  Chain,
  ChainDatabase,
  decodeExtrinsic,
  defaultRuntimeConfig,
  LOCAL_AUTHORITIES,
  Runtime,
  signerFromUri,
  TransactionPool,
} from '@crust-ts/chain'
import {
  buildJustification,
  ChainNetwork,
  ChainSync,
  type ConsensusHost,
  createConsensusHost,
  encodeJustification,
  signVote,
  syncState,
} from '@crust-ts/consensus'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'

const BLOCK_TIME = 1000
const TRANSFERS_PER_BLOCK = 2
const JUSTIFY_EVERY = 64

export interface StateSyncBenchResult {
  rows: Array<{ blocks: number; fullMs: number[]; stateMs: number[]; ratio: number; stateSyncedAt: number }>
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Node {
  chain: Chain
  db: ChainDatabase
  host: ConsensusHost
  network: ChainNetwork
  dir: string
}

async function openNode(runtime: Runtime, spec: ReturnType<typeof builtinSpec> & object, state: 'pruned' | 'archive'): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'crust-bench-state-sync-'))
  const db = ChainDatabase.open(join(dir, 'chain'), { state })
  const chain = Chain.open(db, runtime, spec, { finality: 'external' })
  const host = await createConsensusHost({ listen: ['/ip4/127.0.0.1/tcp/0'], peerKeyPath: join(dir, 'peer.key') })
  await host.start()
  const network = new ChainNetwork({ host, chain, pool: new TransactionPool(runtime, chain), logger: silentLogger })
  await network.start()
  return { chain, db, host, network, dir }
}

async function closeNode(node: Node): Promise<void> {
  await node.network.stop()
  await node.host.stop()
  await node.db.close()
  rmSync(node.dir, { recursive: true, force: true })
}

/** A source chain of `blocks` sealed blocks with transfers, justified every {@link JUSTIFY_EVERY} blocks and at its end. */
async function buildSource(runtime: Runtime, spec: NonNullable<ReturnType<typeof builtinSpec>>, blocks: number): Promise<Node> {
  const source = await openNode(runtime, spec, 'archive')
  const { chain } = source
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const senders = Array.from({ length: TRANSFERS_PER_BLOCK }, (_, i) => keyring.addFromUri(`//Alice//sync//${i}`))
  const signers: BlockSigner[] = LOCAL_AUTHORITIES.map((name) => signerFromUri(`//${name}`))
  const registry = runtime.registry
  const version = registry.createType('RuntimeVersion', runtime.version)
  const dest = u8aToHex(keyring.addFromUri('//Ferdie').publicKey)
  for (let b = 1; b <= blocks; b++) {
    const txs = senders.map((pair, i) => {
      const call = registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: dest }, value: 1_000_000_000n + BigInt(i) } })
      const xt = registry.createType('Extrinsic', call)
      xt.sign(pair, { blockHash: chain.genesis.hash, genesisHash: chain.genesis.hash, nonce: b - 1, runtimeVersion: version, era: 0 } as never)
      return decodeExtrinsic(runtime, xt.toU8a())
    })
    const signer = signers[b % signers.length]!
    const imported = chain.produceBlock(signer.publicKey, txs, b * BLOCK_TIME + 10, { signer, slot: b })
    if (b % JUSTIFY_EVERY === 0 || b === blocks) {
      const block = imported.block
      const precommits = signers
        .slice(0, 3)
        .map((s) => signVote({ kind: 'precommit', setId: 0, round: b, hash: block.hashHex, number: block.number }, s, chain.genesis.hash))
      chain.finalize(block.hash, encodeJustification(buildJustification(chain, chain.votersFor(chain.finalized), b, block, precommits)))
    }
  }
  return source
}

async function timeFullSync(runtime: Runtime, spec: NonNullable<ReturnType<typeof builtinSpec>>, source: Node): Promise<number> {
  const node = await openNode(runtime, spec, 'pruned')
  try {
    await node.host.dial(source.host.getMultiaddrs()[0]!)
    const sync = new ChainSync({ chain: node.chain, network: node.network, logger: silentLogger })
    const started = performance.now()
    sync.start()
    // A bench, not a test: polling is fine here (50 ms granularity on seconds).
    while (node.chain.best.number < source.chain.best.number) {
      sync.trigger()
      await new Promise((r) => setTimeout(r, 50))
    }
    const ms = performance.now() - started
    await sync.stop()
    return ms
  } finally {
    await closeNode(node)
  }
}

async function timeStateSync(runtime: Runtime, spec: NonNullable<ReturnType<typeof builtinSpec>>, source: Node): Promise<{ ms: number; at: number }> {
  const node = await openNode(runtime, spec, 'pruned')
  try {
    await node.host.dial(source.host.getMultiaddrs()[0]!)
    while (node.network.peers().length === 0) await new Promise((r) => setTimeout(r, 20))
    const started = performance.now()
    const outcome = await syncState({ chain: node.chain, network: node.network, log: silentLogger.forComponent('bench') }, { minLead: 1 })
    const ms = performance.now() - started
    if (outcome.status !== 'synced') throw new Error(`state sync: ${outcome.status}`)
    return { ms, at: outcome.block.number }
  } finally {
    await closeNode(node)
  }
}

export async function runStateSyncBench(opts: { histories?: number[]; rounds?: number } = {}): Promise<StateSyncBenchResult> {
  await cryptoWaitReady()
  const runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
  const base = builtinSpec('local')!
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const senders = Array.from({ length: TRANSFERS_PER_BLOCK }, (_, i) => keyring.addFromUri(`//Alice//sync//${i}`).address)
  const spec = {
    ...base,
    genesis: { ...base.genesis, balances: [...base.genesis.balances, ...senders.map((a): [string, string] => [a, (10n ** 18n).toString()])] },
  }
  const rows: StateSyncBenchResult['rows'] = []
  for (const blocks of opts.histories ?? [1000, 5000]) {
    // Three rounds while a full sync takes under a minute here (about 40 blocks/s), one beyond.
    const rounds = opts.rounds ?? (blocks <= 2000 ? 3 : 1)
    const source = await buildSource(runtime, spec, blocks)
    try {
      const fullMs: number[] = []
      const stateMs: number[] = []
      let at = 0
      for (let r = 0; r < rounds; r++) {
        // Alternate the order, so neither always runs on a warm cache.
        if (r % 2 === 0) fullMs.push(await timeFullSync(runtime, spec, source))
        const s = await timeStateSync(runtime, spec, source)
        stateMs.push(s.ms)
        at = s.at
        if (r % 2 === 1) fullMs.push(await timeFullSync(runtime, spec, source))
      }
      rows.push({ blocks, fullMs, stateMs, ratio: median(stateMs) / median(fullMs), stateSyncedAt: at })
    } finally {
      await closeNode(source)
    }
  }
  return { rows }
}

export function formatStateSyncBench(result: StateSyncBenchResult): string {
  return result.rows
    .map(
      (r) =>
        `state sync: ${r.blocks} blocks of history (${TRANSFERS_PER_BLOCK} transfers each), fresh pruned node over loopback libp2p: ` +
        `full sync ${median(r.fullMs).toFixed(0)} ms (absolute), state sync ${median(r.stateMs).toFixed(0)} ms (absolute, to block ${r.stateSyncedAt}); ` +
        `ratio state : full = ${r.ratio.toFixed(3)} (median of ${r.fullMs.length})`,
    )
    .join('\n')
}
