/**
 * Measures the state trie: commit throughput of 4,000 random 48-byte keys with 80-byte values
 * into a 100,000-key trie, and random reads. Not a test; run after building:
 * `npx node packages/chain/dist/test/bench/trie.bench.js`
 */
import { randomBytes } from 'node:crypto'
import { blake2b } from '@noble/hashes/blake2b'
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto'
import { EMPTY_TRIE_ROOT, MemoryNodeStore, MerkleTrie, type TrieChange } from '../../src/state/index.js'

const BASE_KEYS = Number(process.argv[2] ?? 100_000)
const BATCH = 4_000
const COMMITS = 20
const GETS = 200_000

function entries(n: number): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (let i = 0; i < n; i++) out.push([new Uint8Array(randomBytes(48)), new Uint8Array(randomBytes(80))])
  return out
}

await cryptoWaitReady()
const store = new MemoryNodeStore()
const trie = new MerkleTrie(store)
let root = EMPTY_TRIE_ROOT
const keys: Uint8Array[] = []
let t = performance.now()
for (let done = 0; done < BASE_KEYS; done += 10_000) {
  const batch = entries(Math.min(10_000, BASE_KEYS - done))
  const result = trie.commit(root, batch)
  store.put(result.nodes)
  root = result.root
  for (const [k] of batch) keys.push(k)
}
console.log(`build ${BASE_KEYS} keys: ${(performance.now() - t).toFixed(0)} ms, ${store.size} nodes`)

const batches: TrieChange[][] = []
for (let i = 0; i < COMMITS + 3; i++) batches.push(entries(BATCH))
let sampleNodes: Array<[Uint8Array, Uint8Array]> = []
let commitMs = 0
let nodeCount = 0
// every batch goes into the same 100,000-key trie (as consecutive blocks would, minus growth)
for (let i = 0; i < batches.length; i++) {
  t = performance.now()
  const result = trie.commit(root, batches[i]!)
  const dt = performance.now() - t
  store.put(result.nodes)
  if (i < 3) continue // warm-up
  commitMs += dt
  nodeCount += result.nodes.length
  sampleNodes = result.nodes
}
console.log(
  `commit ${BATCH} new keys into ${BASE_KEYS}: ${(commitMs / COMMITS).toFixed(1)} ms/commit, ` +
    `${((COMMITS * 1000) / commitMs).toFixed(1)} commits/s, ${Math.round((COMMITS * BATCH * 1000) / commitMs)} keys/s, ` +
    `${Math.round(nodeCount / COMMITS)} new nodes/commit`,
)

const updates: TrieChange[] = []
for (let i = 0; i < BATCH; i++) updates.push([keys[(i * 7919) % keys.length]!, new Uint8Array(randomBytes(80))])
t = performance.now()
const upd = trie.commit(root, updates)
console.log(`commit ${BATCH} updates of existing keys: ${(performance.now() - t).toFixed(1)} ms, ${upd.nodes.length} new nodes`)

const probe = keys.map((_, i) => keys[(i * 104_729) % keys.length]!)
const whole = new MerkleTrie(store, { cacheSize: 2_000_000 })
for (const [label, reader] of [
  ['default cache, warm', trie],
  ['cache holding the whole trie', whole],
  ['no cache (decode each node)', new MerkleTrie(store, { cacheSize: 0 })],
] as const) {
  const warm = reader === whole ? probe.length : 10_000
  for (let i = 0; i < warm; i++) reader.get(root, probe[i % probe.length]!)
  t = performance.now()
  let found = 0
  for (let i = 0; i < GETS; i++) if (reader.get(root, probe[i % probe.length]!) !== undefined) found++
  const dt = performance.now() - t
  if (found !== GETS) throw new Error(`expected ${GETS} hits, got ${found}`)
  console.log(`get (${label}): ${Math.round((GETS * 1000) / dt)} gets/s`)
}
console.log(`cached nodes: ${trie.cachedNodes}, heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`)

const encodings = sampleNodes.map(([, enc]) => enc)
const avg = encodings.reduce((s, e) => s + e.length, 0) / encodings.length
for (const [name, hash] of [
  ['@polkadot/util-crypto blake2AsU8a (WASM)', (d: Uint8Array) => blake2AsU8a(d, 256)],
  ['@noble/hashes blake2b', (d: Uint8Array) => blake2b(d, { dkLen: 32 })],
] as const) {
  for (const e of encodings) hash(e)
  t = performance.now()
  for (let r = 0; r < 5; r++) for (const e of encodings) hash(e)
  const dt = performance.now() - t
  console.log(`hash ${name}: ${Math.round((5 * encodings.length * 1000) / dt)} nodes/s (avg ${avg.toFixed(0)} bytes)`)
}
