/**
 * State pruning on a real `crust node` (100 ms blocks, --pruning 32, transfers in every block):
 * the trie nodes beyond the live state stop growing once the window is full, old state is refused
 * over RPC with Substrate's error, and after SIGKILL mid-run (every block prunes a state, so the
 * kill lands on or between pruning commits) the node restarts with the balances a client saw and
 * keeps producing; its database then holds exactly the nodes of the states it keeps.
 */
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/api'
import type { ApiPromise } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { ChainDatabase, decodeHeader, MerkleTrie } from '@crust-ts/chain'
import { connectApi, makeBasePath, startNode, waitFor } from '@crust-ts/testkit'

const KEEP = 32
const ARGS = ['--block-time', '100', '--pruning', String(KEEP)]
/** Block numbers at which the database is sampled while the load runs. */
const SAMPLES = [100, 200, 300]

interface Sample {
  block: number
  nodes: number
  live: number
  fileBytes: number
  /** Final states still stored (finalized - stateFrom + 1). */
  keptStates: number
}

/** The database's window start (meta `stateFrom`, u32 BE). */
function stateFromOf(db: ChainDatabase): number {
  const bytes = db.getMeta('stateFrom')
  return bytes === undefined ? 0 : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
}

/** Distinct trie nodes of the state at `root`. */
function liveNodes(db: ChainDatabase, root: Uint8Array): Set<string> {
  const out = new Set<string>()
  for (const [hash] of new MerkleTrie(db, { cacheSize: 0 }).nodes(root)) out.add(Buffer.from(hash).toString('hex'))
  return out
}

async function finalizedRoot(api: ApiPromise): Promise<{ hash: string; number: number; root: Uint8Array }> {
  const hash = await api.rpc.chain.getFinalizedHead()
  const header = await api.rpc.chain.getHeader(hash)
  return { hash: hash.toHex(), number: header.number.toNumber(), root: header.stateRoot.toU8a() }
}

describe('state pruning (crust node, 100 ms blocks)', () => {
  it('behavior: trie nodes stay flat under load, old state is refused with 4003, SIGKILL then restart keeps state and production', async (t) => {
    await cryptoWaitReady()
    const base = makeBasePath()
    const dbPath = join(base.path, 'chain')
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const senders = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u))
    const dest = keyring.addFromUri('//Ferdie')
    const cleanup: Array<() => Promise<unknown>> = []
    try {
      const first = await startNode(base.path, ARGS)
      cleanup.push(async () => first.child.kill('SIGKILL'))
      const api = await connectApi(first.url)
      cleanup.push(() => api.disconnect())

      // Steady load: each sender's transfer in each new block.
      const nonces = await Promise.all(senders.map(async (s) => (await api.query.system.account(s.address)).nonce.toNumber()))
      let loading = true
      let sent = 0
      const unsubscribe = await api.rpc.chain.subscribeNewHeads(() => {
        if (!loading) return
        senders.forEach((s, i) => {
          api.tx.balances
            .transferKeepAlive(dest.address, 1_000_000n)
            .signAndSend(s, { nonce: nonces[i]! })
            .then(() => sent++)
            .catch(() => {})
          nonces[i]!++
        })
      })

      const samples: Sample[] = []
      for (const target of SAMPLES) {
        await waitFor(async () => ((await finalizedRoot(api)).number >= target ? true : undefined), `block ${target}`, 120_000)
        const { number, root } = await finalizedRoot(api)
        // Opened after the RPC answered: its snapshot holds that block's state.
        const db = ChainDatabase.open(dbPath)
        try {
          const finalized = db.getBlockNumber(db.getMeta('finalized')!)!
          samples.push({
            block: number,
            nodes: db.countNodes(),
            live: liveNodes(db, root).size,
            fileBytes: statSync(join(dbPath, 'data.mdb')).size,
            keptStates: finalized - stateFromOf(db) + 1,
          })
        } finally {
          await db.close()
        }
      }
      for (const s of samples) {
        t.diagnostic(
          `block ${s.block}: ${s.nodes} trie nodes (${s.live} in the live state), ${s.keptStates} final states kept, data.mdb ${(s.fileBytes / 2 ** 20).toFixed(1)} MiB`,
        )
      }
      assert.ok(sent > 100, `transfers sent: ${sent}`)
      // The window: KEEP final states, up to 15 more (pruned 16 at a time).
      for (const s of samples) assert.ok(s.keptStates >= KEEP && s.keptStates <= KEEP + 15, `block ${s.block}: ${s.keptStates} final states kept`)
      // What is stored beside the live state (the window's old nodes) stops growing once the window
      // is full: at block 300 it stays below twice that of block 100 (the window may then be up to
      // 15 states fuller); without pruning it grows with every block, three times as much by then.
      const extra = samples.map((s) => s.nodes - s.live)
      assert.ok(extra[2]! < 2 * extra[0]!, `nodes beside the live state: ${extra.join(', ')}`)

      // Old state is refused with Substrate's error; a recent one answers.
      const old = (await api.rpc.chain.getBlockHash(5)).toHex()
      const key = api.query.system.account.key(dest.address)
      await assert.rejects(api.rpc.state.getStorage(key, old), (err: Error) => {
        assert.match(err.message, new RegExp(`^4003: Client error: UnknownBlock: State already discarded for ${old}`))
        return true
      })
      const recent = await finalizedRoot(api)
      assert.ok((await api.rpc.state.getStorage(key, recent.hash)) !== null)

      // Load off, everything sent final; what a client sees at the finalized head.
      loading = false
      unsubscribe()
      await waitFor(async () => ((await api.rpc.author.pendingExtrinsics()).length === 0 ? true : undefined), 'the pool to drain', 60_000)
      const drainedAt = (await api.rpc.chain.getHeader()).number.toNumber()
      await waitFor(async () => ((await finalizedRoot(api)).number > drainedAt ? true : undefined), 'finality past the last transfer')
      const seen = await finalizedRoot(api)
      const at = await api.at(seen.hash)
      const before = await Promise.all([...senders, dest].map(async (a) => (await at.query.system.account(a.address)).toHex()))
      await api.disconnect()

      // SIGKILL while blocks (each with its pruning) keep coming.
      first.child.kill('SIGKILL')
      assert.equal(await first.exited, 'SIGKILL')
      const second = await startNode(base.path, ARGS)
      cleanup.push(async () => second.child.kill('SIGKILL'))
      const api2 = await connectApi(second.url)
      cleanup.push(() => api2.disconnect())
      const restartedAt = (await api2.rpc.chain.getHeader()).number.toNumber()
      assert.ok(restartedAt >= seen.number)
      const head = await finalizedRoot(api2)
      const at2 = await api2.at(head.hash)
      const after = await Promise.all([...senders, dest].map(async (a) => (await at2.query.system.account(a.address)).toHex()))
      assert.deepEqual(after, before, 'balances and nonces at the finalized head are those seen before the kill')
      await waitFor(async () => ((await api2.rpc.chain.getHeader()).number.toNumber() > restartedAt + 20 ? true : undefined), 'new blocks')
      await api2.disconnect()
      second.child.kill('SIGTERM')
      assert.equal(await second.exited, 0)

      // Offline: the database holds exactly the nodes of the states it keeps, every one of them whole.
      const db = ChainDatabase.open(dbPath, { state: 'pruned' })
      try {
        const finalized = db.getMeta('finalized')!
        const best = db.getMeta('best')!
        const finalNumber = db.getBlockNumber(finalized)!
        const stateFrom = new DataView(db.getMeta('stateFrom')!.buffer, db.getMeta('stateFrom')!.byteOffset, 4).getUint32(0)
        // States are pruned 16 at a time (the default batch): between KEEP and KEEP + 15 final states kept.
        assert.ok(stateFrom <= finalNumber - KEEP + 1 && stateFrom >= finalNumber - KEEP - 14, `state kept from ${stateFrom}, finalized ${finalNumber}`)
        const kept = new Set<string>()
        const rootOf = (hash: Uint8Array) => decodeHeader(db.getHeader(hash)!).stateRoot
        for (let n = stateFrom; n <= finalNumber; n++) for (const h of liveNodes(db, rootOf(db.getCanonicalHash(n)!))) kept.add(h)
        for (const h of liveNodes(db, rootOf(best))) kept.add(h)
        assert.equal(db.countNodes(), kept.size, 'no node outside the kept states, none of theirs missing')
      } finally {
        await db.close()
      }
    } finally {
      for (const c of cleanup.reverse()) await c().catch(() => {})
      base.remove()
    }
  })
})
