/**
 * Measures ChainDatabase.commitBlock with ~16,000 new trie nodes per block (a trie commit of
 * 5,400 random 48-byte keys with 80-byte values into a 100,000-key trie stored in the database),
 * for both durability modes, and trie reads served from the database. Not a test; run after
 * building: `npx node packages/chain/dist/test/bench/chain-db.bench.js [folder]`
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { ChainDatabase, type ChainDatabaseDurability } from '../../src/db/index.js'
import { blake2b256, EMPTY_TRIE_ROOT, MerkleTrie } from '../../src/state/index.js'

const BASE_KEYS = 100_000
const KEYS_PER_BLOCK = 5_400
const BLOCKS = 20
const GETS = 100_000

function entries(n: number): Array<[Uint8Array, Uint8Array]> {
  const bytes = randomBytes(n * 128)
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (let i = 0; i < n; i++) out.push([bytes.subarray(i * 128, i * 128 + 48), bytes.subarray(i * 128 + 48, (i + 1) * 128)])
  return out
}

function block(number: number, stateRoot: Uint8Array) {
  const header = new Uint8Array(36)
  new DataView(header.buffer).setUint32(0, number)
  header.set(stateRoot, 4)
  return { hash: blake2b256(header), number, header, body: new Uint8Array(1024) }
}

await cryptoWaitReady()
const parent = process.argv[2] ?? os.tmpdir()
for (const durability of ['sync', 'overlapping'] as ChainDatabaseDurability[]) {
  const dir = fs.mkdtempSync(path.join(parent, 'crust-db-bench-'))
  const db = ChainDatabase.open(dir, { durability })
  const trie = new MerkleTrie(db)
  let root = EMPTY_TRIE_ROOT
  let number = 0
  const keys: Uint8Array[] = []
  for (let done = 0; done < BASE_KEYS; done += 20_000) {
    const batch = entries(20_000)
    const result = trie.commit(root, batch)
    root = result.root
    const b = block(number++, root)
    db.commitBlock({ block: b, nodes: result.nodes, canonical: true, meta: { best: b.hash } })
    for (const [k] of batch) keys.push(k)
  }
  let commitMs = 0
  let trieMs = 0
  let nodes = 0
  let bytes = 0
  for (let i = 0; i < BLOCKS + 2; i++) {
    const changes = entries(KEYS_PER_BLOCK)
    let t = performance.now()
    const result = trie.commit(root, changes)
    const dtTrie = performance.now() - t
    root = result.root
    const b = block(number++, root)
    t = performance.now()
    db.commitBlock({ block: b, nodes: result.nodes, canonical: true, meta: { best: b.hash } })
    const dt = performance.now() - t
    if (i < 2) continue // warm-up
    commitMs += dt
    trieMs += dtTrie
    nodes += result.nodes.length
    for (const [, enc] of result.nodes) bytes += enc.length
    for (const [k] of changes) keys.push(k)
  }
  console.log(
    `[${durability}] commitBlock: ${(commitMs / BLOCKS).toFixed(1)} ms/block, ${((BLOCKS * 1000) / commitMs).toFixed(1)} blocks/s, ` +
      `${Math.round(nodes / BLOCKS)} nodes (${(bytes / BLOCKS / 2 ** 20).toFixed(1)} MiB)/block, ` +
      `${Math.round((nodes * 1000) / commitMs)} nodes/s; trie commit of ${KEYS_PER_BLOCK} keys from the db: ${(trieMs / BLOCKS).toFixed(1)} ms`,
  )
  if (durability === 'sync') {
    for (const [label, reader] of [
      ['default cache', trie],
      ['no cache', new MerkleTrie(db, { cacheSize: 0 })],
    ] as const) {
      const t = performance.now()
      for (let i = 0; i < GETS; i++) {
        if (reader.get(root, keys[(i * 104_729) % keys.length]!) === undefined) throw new Error('missing key')
      }
      console.log(`[${durability}] trie get from the db (${label}): ${Math.round((GETS * 1000) / (performance.now() - t))} gets/s`)
    }
  }
  await db.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
