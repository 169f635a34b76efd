/**
 * A state sync round between real chains behind real libp2p hosts on loopback (one process): a
 * fresh pruned node proves a peer's finalized block final from genesis (headers, justifications),
 * downloads and installs the state at it, and then executes only the blocks after it; a peer whose
 * justification of its finalized block lacks a supermajority is banned and nothing is installed; a
 * chain shorter than the minimum lead is left to block sync; on a chain whose voter set changes
 * every 12-block era, the proof follows the set changes through authority proofs the peer kept
 * after pruning their states, and a state-synced peer (no history to prove) is not penalised.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { builtinSpec, Chain, ChainDatabase, eraAuthorities, type ImportedBlock, signerFromUri } from '@crust-ts/chain'
import { type Logger, silentLogger } from '@crust-ts/base'
import { u8aToHex } from '@polkadot/util'
import { buildJustification, type ChainNetwork, type ConsensusHost, encodeJustification, signVote, StateSyncCarry, syncState } from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'

const LENGTH = 120
const log = silentLogger.forComponent('test')

describe('state sync round', () => {
  let local: LocalChains
  let source: Chain
  let sourceHost: ConsensusHost
  const blocks: ImportedBlock[] = []

  /** Finalizes `block` of `chain` with a justification holding the precommits of authorities `voters`. */
  function finalizeWith(chain: Chain, block: ImportedBlock, voters: number[]): void {
    const precommits = voters.map((v) =>
      signVote({ kind: 'precommit', setId: 0, round: 1, hash: block.block.hashHex, number: block.block.number }, local.signers[v]!, chain.genesis.hash),
    )
    const j = buildJustification(chain, chain.votersFor(chain.finalized), 1, block.block, precommits)
    chain.finalize(block.block.hash, encodeJustification(j))
  }

  before(async () => {
    local = await LocalChains.create('crust-state-sync-round-', { blockTimeMs: 1000 })
    source = local.chain('source')
    for (let slot = 1; slot <= LENGTH; slot++) blocks.push(local.produce(source, slot))
    for (const n of [40, 80, 100]) finalizeWith(source, blocks[n - 1]!, [0, 1, 2])
    sourceHost = await local.host('source')
    await local.network(sourceHost, source)
  })

  after(async () => {
    await local.close()
  })

  async function freshNode(name: string): Promise<{ chain: Chain; network: ChainNetwork; host: ConsensusHost }> {
    const chain = local.chain(name, 'pruned')
    const host = await local.host(name)
    const network = await local.network(host, chain)
    return { chain, network, host }
  }

  async function connect(node: { host: ConsensusHost; network: ChainNetwork }, to: ConsensusHost): Promise<void> {
    await node.host.dial(to.getMultiaddrs()[0]!)
    await waitFor(async () => (node.network.peers().some((p) => p.equals(to.peerId)) ? true : undefined), 'connected')
  }

  it("behavior: a fresh node installs the state at the peer's finalized block and then executes only the blocks after it", async () => {
    const node = await freshNode('fresh')
    await connect(node, sourceHost)
    const outcome = await syncState({ chain: node.chain, network: node.network, log }, { minLead: 64 })
    assert.equal(outcome.status, 'synced')
    assert.equal(node.chain.finalized.number, 100)
    assert.equal(node.chain.best.hashHex, blocks[99]!.block.hashHex)
    assert.ok(node.chain.justificationOf(blocks[99]!.block.hash) !== undefined, 'the justification is kept with the block')
    assert.equal(node.chain.executedImports, 0)
    for (const b of blocks.slice(100)) local.copy(source, node.chain, b)
    assert.equal(node.chain.best.hashHex, source.best.hashHex)
    assert.equal(node.chain.executedImports, LENGTH - 100)
  })

  it("errors: a peer whose finalized block's justification lacks a supermajority is banned; nothing is installed", async () => {
    const forger = local.chain('forger')
    for (const b of blocks) local.copy(source, forger, b)
    finalizeWith(forger, blocks[99]!, [0, 1])
    const forgerHost = await local.host('forger')
    await local.network(forgerHost, forger)
    const node = await freshNode('victim')
    await connect(node, forgerHost)
    const outcome = await syncState({ chain: node.chain, network: node.network, log }, { minLead: 64 })
    assert.equal(outcome.status, 'retry')
    assert.ok(node.network.isBanned(forgerHost.peerId))
    assert.equal(node.chain.best.number, 0)
  })

  /** A logger that keeps the messages logged at `level`. */
  function keeping(level: 'warn' | 'error'): { log: Logger; lines: string[] } {
    const lines: string[] = []
    const ignore = () => {}
    const log = { info: ignore, debug: ignore, warn: ignore, error: ignore, [level]: (_fields: object, msg: string) => lines.push(msg) } as unknown as Logger
    return { log, lines }
  }

  it('behavior: a verified state the disk has no room for is kept, not downloaded again: the round retries with one error saying how much to free, and once there is room the next round installs it with no peer connected', async () => {
    const node = await freshNode('roomless')
    await connect(node, sourceHost)
    const spillDir = mkdtempSync(join(tmpdir(), 'crust-state-spill-'))
    const carry = new StateSyncCarry()
    const { log: errorLog, lines } = keeping('error')
    try {
      const full = () => 0
      assert.equal(
        (await syncState({ chain: node.chain, network: node.network, log: errorLog }, { minLead: 64, carry, spillDir, freeBytes: full })).status,
        'retry',
      )
      assert.equal(node.chain.best.number, 0)
      assert.equal(lines.length, 1)
      assert.match(
        lines[0]!,
        /^not enough free disk to install the downloaded state: free \d+\.\d\d GiB more in .+; it is kept and installed once there is room$/,
      )
      assert.equal(readdirSync(spillDir).length, 1, 'the verified state stays on disk')
      assert.equal(
        (await syncState({ chain: node.chain, network: node.network, log: errorLog }, { minLead: 64, carry, spillDir, freeBytes: full })).status,
        'retry',
      )
      assert.equal(lines.length, 1, 'the error is not repeated every round')

      await node.host.hangUp(sourceHost.peerId)
      await waitFor(async () => (node.network.peers().length === 0 ? true : undefined), 'disconnected')
      const roomy = await syncState({ chain: node.chain, network: node.network, log: errorLog }, { minLead: 64, carry, spillDir, freeBytes: () => 2 ** 50 })
      assert.equal(roomy.status, 'synced', 'installed from the kept state, with no peer to download from')
      assert.equal(node.chain.finalized.number, 100)
      assert.equal(node.chain.executedImports, 0)
      assert.equal(carry.verified, undefined)
      assert.deepEqual(readdirSync(spillDir), [], 'the installed state’s file is removed')
    } finally {
      carry.dispose()
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  it('behavior: a download every peer failed mid-way is continued by the next round at the same block from the last key received; the state installs and the node executes no block', async () => {
    // The peer's state answers fail (the stream is reset) once `failAfter` chunks are served.
    let failAfter = 3
    let served = 0
    const asked: Array<string | undefined> = []
    const flaky = new Proxy(source, {
      get(target, prop) {
        if (prop === 'stateChunk')
          return (...args: Parameters<Chain['stateChunk']>) => {
            asked.push(args[1] === undefined ? undefined : u8aToHex(args[1]))
            if (served >= failAfter) throw new Error('flaky peer')
            served++
            return target.stateChunk(...args)
          }
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const flakyHost = await local.host('flaky-source')
    await local.network(flakyHost, flaky)
    const node = await freshNode('resumer')
    await connect(node, flakyHost)
    const carry = new StateSyncCarry()
    const { log: warnLog, lines } = keeping('warn')
    const download = { pairsPerRequest: 16, attemptsPerPeer: 2, retryBackoffMs: 10 }
    try {
      assert.equal((await syncState({ chain: node.chain, network: node.network, log: warnLog }, { minLead: 64, carry, download })).status, 'retry')
      assert.equal(node.chain.best.number, 0)
      assert.equal(carry.download.received?.pairs, 3 * 16, 'the three chunks received are carried')
      assert.ok(lines.some((l) => l.startsWith('state download interrupted')))
      const firstRound = asked.length

      failAfter = Number.POSITIVE_INFINITY
      const outcome = await syncState({ chain: node.chain, network: node.network, log: warnLog }, { minLead: 64, carry, download })
      assert.equal(outcome.status, 'synced')
      assert.equal(node.chain.finalized.number, 100)
      assert.equal(node.chain.executedImports, 0)
      assert.equal(asked[firstRound], asked[3], 'the next round asks after the last key received')
      assert.equal(asked.filter((key) => key === undefined).length, 1, 'the download never starts over from the first key')
      assert.equal(carry.download.target, undefined)
    } finally {
      carry.dispose()
    }
  })

  it('behavior: a peer whose finalized block is below the minimum lead leaves the node to block sync', async () => {
    const node = await freshNode('near')
    await connect(node, sourceHost)
    assert.deepEqual(await syncState({ chain: node.chain, network: node.network, log }, { minLead: 101 }), { status: 'not-needed' })
    assert.equal(node.chain.best.number, 0)
  })
})

describe('state sync round across voter set changes', () => {
  let local: LocalChains
  const dbs: ChainDatabase[] = []

  after(async () => {
    await local.close()
    for (const db of dbs) await db.close()
  })

  it("behavior: the proof follows every era's set change (proofs kept after pruning), the node then imports the next blocks; a node syncing from it alone cannot prove the history and does not penalise it", async () => {
    local = await LocalChains.create('crust-state-sync-eras-', { blockTimeMs: 1000, runtime: { eraLength: 12, sessionsPerEra: 6 } })
    const open = (name: string, pruning: number): Chain => {
      const db = ChainDatabase.open(join(local.root, name), { state: 'pruned' })
      dbs.push(db)
      return Chain.open(db, local.runtime, builtinSpec('dev')!, { finality: 'external', authorities: eraAuthorities(), pruning, pruningBatch: 1 })
    }
    const alice = signerFromUri('//Alice//stash')
    const source = open('source', 8)
    const produce = (slot: number): ImportedBlock => source.produceBlock(alice.publicKey, [], slot * 1000 + 10, { slot, signer: alice })
    const blocks: ImportedBlock[] = []
    let changes = 0
    for (let slot = 1; slot <= 100; slot++) {
      const imported = produce(slot)
      blocks.push(imported)
      const b = imported.block
      // As the gadget does: the set of the finalized block's successors votes, one round per block.
      const set = source.votersFor(source.finalized)
      if (source.votersFor(b).setId !== set.setId) changes++
      const vote = signVote({ kind: 'precommit', setId: set.setId, round: slot, hash: b.hashHex, number: b.number }, alice, source.genesis.hash)
      source.finalize(b.hash, encodeJustification(buildJustification(source, set, slot, b, [vote])))
    }
    assert.ok(changes >= 5, `${changes} set changes`)
    const sourceHost = await local.host('source')
    await local.network(sourceHost, source)

    const chain = open('fresh', 256)
    const host = await local.host('fresh')
    const network = await local.network(host, chain)
    await host.dial(sourceHost.getMultiaddrs()[0]!)
    await waitFor(async () => (network.peers().length > 0 ? true : undefined), 'connected')
    const outcome = await syncState({ chain, network, log }, { minLead: 64 })
    assert.equal(outcome.status, 'synced')
    assert.ok(outcome.status === 'synced' && outcome.setChanges === changes, `followed ${outcome.status === 'synced' ? outcome.setChanges : 0} of ${changes}`)
    assert.equal(chain.finalized.hashHex, blocks[99]!.block.hashHex)
    for (let slot = 101; slot <= 105; slot++) local.copy(source, chain, produce(slot))
    assert.equal(chain.best.hashHex, source.best.hashHex)
    assert.equal(chain.executedImports, 5)

    // The state-synced node holds no justification below its sync point: a node syncing from it
    // alone cannot prove the history, and the synced node is not penalised for it.
    const third = open('third', 256)
    const thirdHost = await local.host('third')
    const thirdNetwork = await local.network(thirdHost, third)
    const penalties: string[] = []
    thirdNetwork.on('penalised', (_peer, reason) => penalties.push(reason))
    await thirdHost.dial(host.getMultiaddrs()[0]!)
    await waitFor(async () => (thirdNetwork.peers().length > 0 ? true : undefined), 'connected')
    assert.deepEqual(await syncState({ chain: third, network: thirdNetwork, log }, { minLead: 64 }), { status: 'retry' })
    assert.deepEqual(penalties, [])
    assert.equal(third.best.number, 0)
  })
})
