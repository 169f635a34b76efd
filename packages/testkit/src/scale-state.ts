/**
 * A mainnet-sized chain database, written directly in the state instead of by executing millions of
 * extrinsics: `FilesV2` entries with skewed replica counts, sWorker identities with work reports,
 * funded accounts, and validator candidates and guarantors (these through the real staking calls,
 * so their ledgers and counters agree).
 *
 * How: the chain's genesis is written as usual; block #1's state is genesis plus the generated
 * entries. Small items go through an overlay; the large maps are spilled to bucket files by their
 * first hashed-key byte, each bucket sorted in memory in turn, and the whole sorted stream is built
 * into a trie bottom-up (`SortedTrieBuilder`), its nodes written to LMDB in batches. Block #1 (a
 * sealed header with that state root, no body) is then installed as best and finalized through
 * `Chain.importSyncedState`, as a state-synced node's sync point is: a node opening the folder
 * authors block #2 on top of it.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { u8aToHex } from '@polkadot/util'
import { base58Encode, blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto'
import { DEV_ENCLAVE_CODE } from '@crust-ts/protocol'
import {
  auraPreDigest,
  BlockExecutor,
  balances,
  builtinSpec,
  Chain,
  ChainDatabase,
  type ChainSpec,
  defaultRuntimeConfig,
  encodeHeader,
  extrinsicsRoot,
  market,
  MerkleTrie,
  OverlayState,
  Runtime,
  SortedTrieBuilder,
  type StorageAccess,
  sealHeader,
  signerFromUri,
  staking,
  swork,
  system,
} from '@crust-ts/chain'
import { SworkerSim } from './sworker-sim.js'

export interface ScaleStateOptions {
  /** The node's base path: the database goes to `<basePath>/chain`, as `crust node` opens it. */
  basePath: string
  files: number
  sworkers: number
  candidates: number
  guarantors: number
  accounts: number
  /** The block time the node will run with (it shapes the runtime config, hence genesis). */
  blockTimeMs: number
  /** Where the bucket files go while building (removed at the end). Default `<basePath>/scale-tmp`. */
  tmpDir?: string
  /** Progress lines (default none). */
  log?: (line: string) => void
}

export interface ScaleStateResult {
  root: string
  block1: string
  pairs: number
  nodes: number
  /** Bytes of the database folder. */
  dbBytes: number
  /** Wall time of each phase, ms. */
  ms: { staking: number; spill: number; build: number; write: number; total: number }
}

/** The spec the generated database belongs to (`crust node --chain dev`). */
export const SCALE_SPEC = 'dev'

/** Accounts whose keys are derivable (`//scale//<i>`), so benchmarks can sign with them; the rest are random ids. */
export const SCALE_SIGNING_ACCOUNTS = 300

/** The CID of generated file `i`: a CIDv0 (base58btc of a sha2-256 multihash, as `ipfs add` gives), as Crust keys `FilesV2` by the CID's text bytes. */
export function scaleCid(i: number): string {
  const multihash = new Uint8Array(34)
  multihash[0] = 0x12
  multihash[1] = 0x20
  multihash.set(blake2AsU8a(u32(i), 256), 2)
  return base58Encode(multihash)
}

/** The replica count of generated file `i`: 3–10 for most, 100–200 for about 1 %. */
export function scaleReplicaCount(i: number): number {
  const r = mix(i, 1)
  return r % 100 === 0 ? 100 + (mix(i, 2) % 101) : 3 + (mix(i, 2) % 8)
}

/**
 * sWorkers whose account and enclave keys are derivable, so a benchmark can sign their work reports
 * (`//scale-sworker//<i>` and {@link scaleEnclave}); the rest have random ids and keys.
 */
export const SCALE_REPORTING_SWORKERS = 60

/** The account id of generated sWorker `i`. */
export function scaleSworker(i: number): Uint8Array {
  return i < SCALE_REPORTING_SWORKERS ? signerFromUri(`//scale-sworker//${i}`).publicKey : blake2AsU8a(Uint8Array.from([...u32(i), 0x5f]), 256)
}

/** The enclave of reporting sWorker `i` (a P-256 key derived from `i`, with the dev enclave code). */
export function scaleEnclave(i: number): SworkerSim {
  return new SworkerSim(blake2AsU8a(Uint8Array.from([...u32(i), 0x45]), 256))
}

/** The enclave key (the identity's anchor) of generated sWorker `i`, in Crust's 64-byte form. */
function scaleAnchor(i: number): Uint8Array {
  return i < SCALE_REPORTING_SWORKERS ? scaleEnclave(i).pubkey : blake2AsU8a(Uint8Array.from([...u32(i), 0x50]), 512)
}

/** The size of generated file `i`: log-uniform from 1 KiB to 1 GiB. */
export function scaleFileSize(i: number): bigint {
  return BigInt(Math.floor(2 ** (10 + (20 * mix(i, 6)) / 2 ** 32)))
}

/** Which sWorkers hold generated file `i`: `count` consecutive ones from `first` (wrapping). */
export function scaleFileHolders(i: number, sworkers: number): { first: number; count: number } {
  return { first: mix(i, 7) % Math.max(1, sworkers), count: Math.min(scaleReplicaCount(i), sworkers) }
}

/** The files size in generated sWorker `i`'s work report. */
function scaleReportedFilesSize(i: number): bigint {
  return BigInt(mix(i, 4) % 64) << 30n
}

const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** A cheap deterministic 32-bit mix of `(i, salt)` (not cryptographic: only for spreading sizes and counts). */
function mix(i: number, salt: number): number {
  let x = (i * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d) >>> 0
  x ^= x >>> 15
  x = Math.imul(x, 0x846ca68b) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/**
 * Spills writes under the large maps' prefixes to one file per (map, first hashed byte); every
 * other write goes to the overlay. Reads of spilled keys answer "absent": the generator writes each
 * such key once.
 */
class SpillingState implements StorageAccess {
  private readonly pending = new Map<string, Buffer[]>()
  private pendingBytes = 0
  pairs = 0

  constructor(
    private readonly overlay: OverlayState,
    private readonly prefixes: readonly Uint8Array[],
    private readonly dir: string,
  ) {}

  private route(key: Uint8Array): string | undefined {
    for (let p = 0; p < this.prefixes.length; p++) {
      const prefix = this.prefixes[p]!
      if (key.length > prefix.length && Buffer.compare(Buffer.from(key.subarray(0, prefix.length)), Buffer.from(prefix)) === 0) {
        // Named by the key bytes themselves, so the names sort as the keys do.
        return Buffer.from(key.subarray(0, prefix.length + 1)).toString('hex')
      }
    }
    return undefined
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.route(key) === undefined ? this.overlay.get(key) : undefined
  }

  set(key: Uint8Array, value: Uint8Array): void {
    const bucket = this.route(key)
    if (bucket === undefined) {
      this.overlay.set(key, value)
      return
    }
    const head = Buffer.alloc(6)
    head.writeUInt16LE(key.length, 0)
    head.writeUInt32LE(value.length, 2)
    let list = this.pending.get(bucket)
    if (list === undefined) this.pending.set(bucket, (list = []))
    list.push(head, Buffer.from(key), Buffer.from(value))
    this.pendingBytes += 6 + key.length + value.length
    this.pairs++
    if (this.pendingBytes > 64 * 1024 * 1024) this.flush()
  }

  delete(key: Uint8Array): void {
    if (this.route(key) !== undefined) throw new Error('the generator never deletes a spilled key')
    this.overlay.delete(key)
  }

  flush(): void {
    for (const [bucket, list] of this.pending) appendFileSync(join(this.dir, bucket), Buffer.concat(list))
    this.pending.clear()
    this.pendingBytes = 0
  }
}

function* readBucket(file: string): Generator<[Uint8Array, Uint8Array]> {
  const buf = readFileSync(file)
  const pairs: Array<[Buffer, Buffer]> = []
  for (let o = 0; o < buf.length; ) {
    const kl = buf.readUInt16LE(o)
    const vl = buf.readUInt32LE(o + 2)
    o += 6
    pairs.push([buf.subarray(o, o + kl), buf.subarray(o + kl, o + kl + vl)])
    o += kl + vl
  }
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]))
  yield* pairs
}

/** Merges two ascending pair streams (keys never repeat across them). */
function* merge(a: Iterator<[Uint8Array, Uint8Array]>, b: Iterator<[Uint8Array, Uint8Array]>): Generator<[Uint8Array, Uint8Array]> {
  let x = a.next()
  let y = b.next()
  while (!x.done || !y.done) {
    if (y.done || (!x.done && Buffer.compare(Buffer.from(x.value[0]), Buffer.from(y.value[0])) < 0)) {
      yield x.value!
      x = a.next()
    } else {
      yield y.value
      y = b.next()
    }
  }
}

function dirBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size
  return total
}

/** The runtime `crust node --chain dev --block-time <ms>` runs (genesis depends on it). */
export function scaleRuntime(spec: ChainSpec, blockTimeMs: number): Runtime {
  return new Runtime({ ...defaultRuntimeConfig, ...spec.runtime, blockTimeMs, ss58Prefix: spec.properties.ss58Format })
}

/** Spills trie nodes to one file per first hash byte, so they can be written in hash order. */
class NodeSpill {
  private readonly pending = new Map<number, Buffer[]>()
  private pendingBytes = 0
  count = 0

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true })
  }

  add(hash: Uint8Array, encoding: Uint8Array): void {
    const head = Buffer.alloc(4)
    head.writeUInt32LE(encoding.length, 0)
    let list = this.pending.get(hash[0]!)
    if (list === undefined) this.pending.set(hash[0]!, (list = []))
    list.push(Buffer.from(hash), head, Buffer.from(encoding))
    this.pendingBytes += 36 + encoding.length
    this.count++
    if (this.pendingBytes > 64 * 1024 * 1024) this.flush()
  }

  flush(): void {
    for (const [byte, list] of this.pending) appendFileSync(join(this.dir, byte.toString(16).padStart(2, '0')), Buffer.concat(list))
    this.pending.clear()
    this.pendingBytes = 0
  }

  /** Appends every node to `db` in hash order (a node at several places once, with that many references); returns the distinct count. */
  writeTo(db: ChainDatabase): number {
    this.flush()
    let distinct = 0
    for (const name of readdirSync(this.dir).sort()) {
      const file = join(this.dir, name)
      const buf = readFileSync(file)
      const entries: Array<[Buffer, Buffer]> = []
      for (let o = 0; o < buf.length; ) {
        const len = buf.readUInt32LE(o + 32)
        entries.push([buf.subarray(o, o + 32), buf.subarray(o + 36, o + 36 + len)])
        o += 36 + len
      }
      entries.sort((a, b) => Buffer.compare(a[0], b[0]))
      let batch: Array<[Uint8Array, Uint8Array, number]> = []
      for (const [hash, encoding] of entries) {
        const last = batch[batch.length - 1]
        if (last !== undefined && Buffer.compare(Buffer.from(last[0]), hash) === 0) {
          last[2]++
          continue
        }
        if (batch.length >= 20_000) {
          db.appendStateNodes(batch)
          // Safe: `hash` differs from the batch's last, and the order is ascending.
          batch = []
        }
        batch.push([hash, encoding, 1])
        distinct++
      }
      db.appendStateNodes(batch)
      rmSync(file)
    }
    return distinct
  }
}

/** SCALE compact length (below 2^14, as replica counts are). */
function compactLength(n: number): Uint8Array {
  return n < 64 ? Uint8Array.of(n << 2) : Uint8Array.of(((n << 2) | 1) & 0xff, n >> 6)
}

export async function generateScaleState(options: ScaleStateOptions): Promise<ScaleStateResult> {
  await cryptoWaitReady()
  const log = options.log ?? (() => {})
  const t0 = performance.now()
  const spec = builtinSpec(SCALE_SPEC)!
  const runtime = scaleRuntime(spec, options.blockTimeMs)
  const dbPath = join(options.basePath, 'chain')
  const tmp = options.tmpDir ?? join(options.basePath, 'scale-tmp')
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'pairs'), { recursive: true })
  // Genesis and the staking calls run on a throwaway database: the real one must stay empty until
  // the state's nodes are appended in hash order.
  const seedDb = ChainDatabase.open(join(tmp, 'genesis'), { state: 'pruned' })
  let seedOpen = true
  const db = ChainDatabase.open(dbPath, { state: 'pruned' })
  try {
    if (db.countNodes() !== 0) throw new Error(`${dbPath} is not empty`)
    const seed = Chain.open(seedDb, runtime, spec)
    const genesis = seed.genesis
    const genesisState = seed.stateAt(genesis)
    const overlay = new OverlayState((key) => genesisState.get(key))
    const FilesV2 = market.MarketStorage.FilesV2
    const big = [system.Account, FilesV2, swork.Identities, swork.PubKeys, swork.PubKeyOwner, swork.WorkReports, swork.IdentityList].map((item) => item.prefix)
    const state = new SpillingState(overlay, big, join(tmp, 'pairs'))

    // Staking through the real calls, as the era bench does (no signatures are involved).
    const exec = new BlockExecutor(runtime, overlay, { number: 1, parentHash: genesis.hash, author: new Uint8Array(32), timestamp: 0n })
    exec.initialize()
    const CRU = 10n ** 12n
    const call = (pallet: string, name: string, args: Record<string, unknown>, who: Uint8Array | undefined) => {
      const err = exec.applyCall({ tag: pallet, value: { tag: name, value: args } }, who === undefined ? { kind: 'root' } : { kind: 'signed', who })
      if (err !== undefined) throw new Error(`${pallet}.${name} failed: ${JSON.stringify(err, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
    }
    const stakerId = (i: number) => blake2AsU8a(Uint8Array.from([...u32(i), 0x57]), 256)
    const fund = (who: Uint8Array) => call('Balances', 'force_set_balance', { who: { tag: 'Id', value: who }, new_free: 1_000_000n * CRU }, undefined)
    for (let i = 0; i < options.candidates; i++) {
      const stash = stakerId(i)
      fund(stash)
      call('Staking', 'bond', { controller: { tag: 'Id', value: stash }, value: 10_000n * CRU }, stash)
      call('Staking', 'validate', { prefs: { guarantee_fee: 100_000_000 } }, stash)
      // What their proven storage would allow (the sWorkers' workload sets it on a live chain).
      staking.StakeLimit.insert(overlay, stash, BigInt(5_000 + (i % 100) * 100) * CRU)
    }
    const targets = Math.min(16, options.candidates)
    for (let g = 0; g < options.guarantors; g++) {
      const who = stakerId(options.candidates + g)
      fund(who)
      call('Staking', 'bond', { controller: { tag: 'Id', value: who }, value: 1_600n * CRU }, who)
      for (let t = 0; t < targets; t++) {
        call('Staking', 'guarantee', { target_tuple: [{ tag: 'Id', value: stakerId((g * 16 + t) % options.candidates) }, 100n * CRU] }, who)
      }
    }
    const tStaking = performance.now()
    log(`staking: ${options.candidates} candidates, ${options.guarantors} guarantors in ${((tStaking - t0) / 1000).toFixed(1)} s`)

    // Accounts: the first ones with derivable keys (for signing benchmarks), the rest random ids.
    for (let i = 0; i < options.accounts; i++) {
      const who = i < SCALE_SIGNING_ACCOUNTS ? signerFromUri(`//scale//${i}`).publicKey : blake2AsU8a(Uint8Array.from([...u32(i), 0x41]), 256)
      balances.endowAtGenesis(state, who, 1_000n * CRU + BigInt(mix(i, 3)))
    }

    // sWorkers: identity, enclave key and its owner, and a work report each.
    const sworkers = Math.max(1, options.sworkers)
    const ids: Uint8Array[] = []
    const anchors: Uint8Array[] = []
    for (let i = 0; i < options.sworkers; i++) {
      const who = scaleSworker(i)
      const anchor = scaleAnchor(i)
      ids.push(who)
      anchors.push(anchor)
      swork.Identities.insert(state, who, { anchor, punishment_deadline: 0n, group: undefined })
      swork.IdentityList.insert(state, i, who)
      swork.PubKeys.insert(state, anchor, { code: i < SCALE_REPORTING_SWORKERS ? DEV_ENCLAVE_CODE : new Uint8Array(32), anchor })
      swork.PubKeyOwner.insert(state, anchor, who)
      // Reporting sWorkers pay their reports' fees.
      if (i < SCALE_REPORTING_SWORKERS) balances.endowAtGenesis(state, who, 1_000n * CRU)
      const used = scaleReportedFilesSize(i)
      swork.WorkReports.insert(state, anchor, {
        report_slot: 0n,
        spower: used,
        free: BigInt(mix(i, 5) % 256) << 30n,
        reported_files_size: used,
        reported_srd_root: blake2AsU8a(anchor, 256),
        reported_files_root: blake2AsU8a(u32(i), 256),
      })
    }
    swork.IdentityCount.put(overlay, options.sworkers)

    // Files: sizes log-uniform from 1 KiB to 1 GiB, replicas on consecutive sWorkers. Each sWorker's
    // replica entry is encoded once by the codec and reused; a file's value is the codec's encoding
    // of its other fields, then the entries in key order (the codec's BTreeMap order).
    const codec = market.MarketStorage.fileInfoV2.codec
    const fields = (size: bigint, count: number) => ({
      file_size: size,
      spower: market.calculateSpower(size, count),
      expired_at: 2_592_000,
      calculated_at: 1,
      amount: size * 10n,
      prepaid: 0n,
      reported_replica_count: count,
      remaining_paid_count: 0,
    })
    const entries: Uint8Array[] = []
    for (let s = 0; s < options.sworkers; s++) {
      const base = codec.enc({ ...fields(0n, 0), replicas: [] })
      const one = codec.enc({ ...fields(0n, 0), replicas: [[ids[s]!, { who: ids[s]!, valid_at: 1, anchor: anchors[s]!, is_reported: true, created_at: 1 }]] })
      entries.push(one.slice(base.length))
    }
    const byKey = Array.from({ length: options.sworkers }, (_, s) => s).sort((a, b) => Buffer.compare(Buffer.from(ids[a]!), Buffer.from(ids[b]!)))
    const rank = new Array<number>(options.sworkers)
    byKey.forEach((s, r) => {
      rank[s] = r
    })
    const utf8 = new TextEncoder()
    let totalSize = 0n
    for (let i = 0; i < options.files; i++) {
      const size = scaleFileSize(i)
      const { first, count } = scaleFileHolders(i, options.sworkers)
      const ranks: number[] = []
      for (let r = 0; r < count; r++) ranks.push(rank[(first + r) % sworkers]!)
      ranks.sort((a, b) => a - b)
      const head = codec.enc({ ...fields(size, count), replicas: [] })
      const parts: Uint8Array[] = [head.subarray(0, head.length - 1), compactLength(count)]
      for (const r of ranks) parts.push(entries[byKey[r]!]!)
      state.set(FilesV2.key(utf8.encode(scaleCid(i))), Buffer.concat(parts))
      totalSize += size
      if (i > 0 && i % 1_000_000 === 0) log(`files: ${i} spilled, ${((performance.now() - tStaking) / 1000).toFixed(0)} s`)
    }
    market.MarketStorage.FileKeysCount.put(overlay, options.files)
    state.flush()
    const tSpill = performance.now()
    log(
      `spilled ${state.pairs} pairs (${(dirBytes(join(tmp, 'pairs')) / 2 ** 30).toFixed(2)} GiB) in ${((tSpill - tStaking) / 1000).toFixed(1)} s; files total ${(Number(totalSize) / 2 ** 40).toFixed(2)} TiB`,
    )

    // Events of the staking calls are no part of a state at rest.
    const drop = new Set([system.EventCount.prefix, system.EVENTS_KEY].map((p) => u8aToHex(p)))
    const small: Array<[Uint8Array, Uint8Array]> = []
    const changed = new Map(overlay.drain().map(([k, v]) => [u8aToHex(k), v] as const))
    for (const [key, value] of new MerkleTrie(seedDb).entries(genesis.header.stateRoot, new Uint8Array(0))) {
      if (!changed.has(u8aToHex(key))) small.push([key, value])
    }
    for (const [hex, value] of changed) if (value !== null && !drop.has(hex)) small.push([Uint8Array.from(Buffer.from(hex.slice(2), 'hex')), value])
    small.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])))
    await seedDb.close()
    seedOpen = false

    const spill = new NodeSpill(join(tmp, 'nodes'))
    const builder = new SortedTrieBuilder((hash, encoding) => spill.add(hash, encoding))
    const pairDir = join(tmp, 'pairs')
    const buckets = readdirSync(pairDir).sort()
    function* spilled(): Generator<[Uint8Array, Uint8Array]> {
      for (const name of buckets) {
        yield* readBucket(join(pairDir, name))
        rmSync(join(pairDir, name))
      }
    }
    let pairs = 0
    for (const [key, value] of merge(small[Symbol.iterator](), spilled())) {
      builder.add(key, value)
      if (++pairs % 1_000_000 === 0) log(`trie: ${pairs} pairs, ${spill.count} nodes, ${((performance.now() - tSpill) / 1000).toFixed(0)} s`)
    }
    const root = builder.finish()
    const tBuild = performance.now()
    log(`trie: ${pairs} pairs, ${spill.count} nodes in ${((tBuild - tSpill) / 1000).toFixed(1)} s`)
    const nodes = spill.writeTo(db)
    const tWrite = performance.now()
    log(`database: ${nodes} nodes appended in ${((tWrite - tBuild) / 1000).toFixed(1)} s`)

    // Genesis as usual, then block #1, sealed by the dev spec's authority one slot before now, so the
    // node's next slot follows it.
    const chain = Chain.open(db, runtime, spec)
    const signer = signerFromUri('//Alice//stash')
    const slot = Math.floor(Date.now() / options.blockTimeMs) - 1
    const header = sealHeader(
      { parentHash: chain.genesis.hash, number: 1, stateRoot: root, extrinsicsRoot: extrinsicsRoot([]), digest: [auraPreDigest(slot)] },
      signer,
    )
    const block1 = chain.importSyncedState([encodeHeader(header)], { root, nodes: [] })
    rmSync(tmp, { recursive: true, force: true })
    return {
      root: u8aToHex(root),
      block1: block1.hashHex,
      pairs,
      nodes,
      dbBytes: dirBytes(dbPath),
      ms: { staking: tStaking - t0, spill: tSpill - tStaking, build: tBuild - tSpill, write: tWrite - tBuild, total: performance.now() - t0 },
    }
  } finally {
    if (seedOpen) await seedDb.close()
    await db.close()
  }
}
