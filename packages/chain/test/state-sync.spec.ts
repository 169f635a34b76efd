/**
 * State sync on the chain's side (real LMDB in temp folders, no network): a state served in bounded
 * chunks rebuilds the block's state root; installed on a fresh pruned database with the header
 * chain, it makes that block best and finalized with no state before it, survives a reopen, and the
 * blocks after it import by execution; wrong roots, unlinked headers, archive and non-fresh
 * databases are refused with nothing written.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { Chain, ChainError, ChainErrorCode, eraAuthorities, type ImportedBlock, type SyncedState } from '../src/chain/index.js'
import { ChainDatabase, type StateMode } from '../src/db/index.js'
import { type DecodedExtrinsic, decodeExtrinsic } from '../src/frame/extrinsic.js'
import { Account } from '../src/pallets/system.js'
import { type BlockSigner, signerFromUri } from '../src/primitives/aura.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'
import { builtinSpec, type ChainSpec } from '../src/spec/chain-spec.js'
import { EMPTY_TRIE_ROOT, MerkleTrie } from '../src/state/index.js'
import { transferToFerdie } from './fixtures/signed-call.js'

const BLOCK_TIME = 1000
const LENGTH = 40

describe('Chain: state sync (serving chunks, installing a synced state)', () => {
  const dirs: string[] = []
  const dbs: ChainDatabase[] = []
  let spec: ChainSpec
  let runtime: Runtime
  let keyring: Keyring
  let signer: BlockSigner
  let source: Chain
  const blocks: ImportedBlock[] = []

  before(async () => {
    await cryptoWaitReady()
    spec = builtinSpec('dev')!
    runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
    keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    signer = signerFromUri('//Alice//stash')
    source = open('archive')
    for (let slot = 1; slot <= LENGTH + 5; slot++) {
      const txs = slot % 3 === 0 ? [transfer(source, slot / 3 - 1)] : []
      blocks.push(source.produceBlock(signer.publicKey, txs, slot * BLOCK_TIME + 10, { slot, signer }))
    }
    source.finalize(blocks[LENGTH - 1]!.block.hash)
  })
  after(async () => {
    for (const db of dbs) await db.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  function open(state: StateMode, dir = mkdtempSync(join(tmpdir(), 'crust-state-sync-'))): Chain {
    if (!dirs.includes(dir)) dirs.push(dir)
    const db = ChainDatabase.open(dir, { state })
    dbs.push(db)
    return Chain.open(db, runtime, spec, { finality: 'external', pruning: 8, pruningBatch: 1, clock: () => 10_000 * BLOCK_TIME })
  }

  function transfer(chain: Chain, nonce: number): DecodedExtrinsic {
    return decodeExtrinsic(runtime, transferToFerdie(runtime, keyring, chain.genesis.hash, '//Bob', nonce, 1_000_000_000n + BigInt(nonce)))
  }

  /** The state at source block `n` read in chunks of `pairs` pairs, rebuilt into a trie; how many chunks it took. */
  function download(n: number, pairs: number): { state: SyncedState; chunks: number; keys: number } {
    const block = blocks[n - 1]!.block
    const all: Array<[Uint8Array, Uint8Array]> = []
    let startAfter: Uint8Array | undefined
    let chunks = 0
    for (;;) {
      const chunk = source.stateChunk(block, startAfter, { pairs, bytes: 1 << 20 })
      chunks++
      assert.ok(chunk.pairs.length <= pairs, 'a chunk holds at most the pairs asked for')
      all.push(...chunk.pairs)
      if (chunk.complete) break
      startAfter = chunk.pairs.at(-1)![0]
    }
    const { root, nodes } = new MerkleTrie({ getNode: () => undefined }, { cacheSize: 0 }).commit(EMPTY_TRIE_ROOT, all)
    return { state: { root, nodes }, chunks, keys: all.length }
  }

  const headersUpTo = (n: number): Uint8Array[] => blocks.slice(0, n).map((b) => source.headerBytesOf(b.block.hash)!)
  const ferdie = () => keyring.addFromUri('//Ferdie').publicKey

  it('behavior: chunks of 7 pairs rebuild the state root of the block; a byte budget of 1 still sends one pair per chunk', () => {
    const { state, chunks, keys } = download(LENGTH, 7)
    assert.equal(u8aToHex(state.root), u8aToHex(blocks[LENGTH - 1]!.block.header.stateRoot))
    assert.equal(chunks, Math.floor(keys / 7) + 1)
    const tiny = source.stateChunk(blocks[0]!.block, undefined, { pairs: 100, bytes: 1 })
    assert.equal(tiny.pairs.length, 1)
    assert.equal(tiny.complete, false)
  })

  it('behavior: a synced state installs as best and finalized with no state before it, survives a reopen, and later blocks import by execution', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-state-sync-'))
    let fresh = open('pruned', dir)
    const { state } = download(LENGTH, 64)
    const finalized: number[] = []
    fresh.on('finalized', (b) => finalized.push(b.number))
    const target = fresh.importSyncedState(headersUpTo(LENGTH), state, Uint8Array.of(1, 2, 3))
    assert.equal(target.number, LENGTH)
    assert.deepEqual(finalized, [LENGTH])
    const db = fresh.db
    await db.close()
    fresh = open('pruned', dir)
    assert.equal(fresh.best.number, LENGTH)
    assert.equal(fresh.finalized.number, LENGTH)
    assert.equal(fresh.stateFrom, LENGTH)
    assert.deepEqual(fresh.justificationOf(target.hash), Uint8Array.of(1, 2, 3))
    assert.equal(fresh.hashAt(1) !== undefined && u8aToHex(fresh.hashAt(1)!), blocks[0]!.block.hashHex, 'the header chain is canonical')
    assert.throws(
      () => fresh.stateAt(fresh.blockByHash(blocks[LENGTH - 2]!.block.hash)!),
      (err: unknown) => err instanceof ChainError && err.code === ChainErrorCode.STATE_DISCARDED,
    )
    for (const b of blocks.slice(LENGTH)) {
      const result = fresh.importBlock(source.headerBytesOf(b.block.hash)!, b.extrinsics)
      assert.equal(result.status, 'imported')
    }
    assert.equal(fresh.best.hashHex, source.best.hashHex)
    const free = Account.get(source.stateAt(), ferdie()).data.free
    assert.notEqual(free, Account.get(source.stateAt(source.genesis), ferdie()).data.free, 'the source chain moved balances')
    assert.equal(Account.get(fresh.stateAt(), ferdie()).data.free, free)
    fresh.finalize(fresh.best.hash)
    assert.equal(fresh.finalized.number, LENGTH + 5)
  })

  it('behavior: a state installed from hash-sorted counted nodes (appended) stores the same nodes and references as one put node by node, and later blocks import; nodes out of order are refused, nothing written', () => {
    const { state } = download(LENGTH, 64)
    const byHash = new Map<string, [Uint8Array, Uint8Array, number]>()
    for (const [hash, encoding] of state.nodes) {
      const known = byHash.get(u8aToHex(hash))
      if (known === undefined) byHash.set(u8aToHex(hash), [hash, encoding, 1])
      else known[2]++
    }
    const sorted = [...byHash.values()].sort((a, b) => Buffer.compare(a[0], b[0]))

    const refused = open('pruned')
    // Genesis' nodes that the state shares (unchanged subtrees) must end with both references.
    const shared = sorted.filter(([hash]) => refused.db.nodeRefCount(hash) > 0)
    const reversed = [...sorted].reverse()
    assert.throws(
      () => refused.importSyncedState(headersUpTo(LENGTH), { root: state.root, nodes: [], sortedNodes: reversed }),
      (err: unknown) => err instanceof Error && /rolled back/.test(err.message),
    )
    assert.equal(refused.best.number, 0)
    assert.equal(refused.hashAt(1), undefined, 'no header written')
    assert.equal(Account.get(refused.stateAt(), ferdie()).data.free, Account.get(source.stateAt(source.genesis), ferdie()).data.free, "genesis' state is whole")

    const appended = open('pruned')
    const put = open('pruned')
    const genesisNodes = appended.db.countNodes()
    appended.importSyncedState(headersUpTo(LENGTH), { ...state, sortedNodes: sorted })
    put.importSyncedState(headersUpTo(LENGTH), state)
    assert.equal(appended.db.countNodes(), put.db.countNodes())
    assert.ok(appended.db.countNodes() > sorted.length && appended.db.countNodes() <= sorted.length + genesisNodes, "the state's nodes and genesis'")
    for (const [hash] of sorted) assert.equal(appended.db.nodeRefCount(hash), put.db.nodeRefCount(hash), `references of ${u8aToHex(hash)}`)
    assert.ok(shared.length > 0, 'the state shares nodes with genesis')
    for (const [hash, , places] of shared) assert.equal(appended.db.nodeRefCount(hash), places + 1)
    for (const b of blocks.slice(LENGTH)) assert.equal(appended.importBlock(source.headerBytesOf(b.block.hash)!, b.extrinsics).status, 'imported')
    assert.equal(Account.get(appended.stateAt(), ferdie()).data.free, Account.get(source.stateAt(), ferdie()).data.free)
  })

  it("errors: a root other than the header's, unlinked headers, an archive and a non-fresh database are refused, nothing written", () => {
    const refused = (err: unknown) => err instanceof ChainError && err.code === ChainErrorCode.STATE_SYNC_REFUSED
    const { state } = download(LENGTH, 512)
    const fresh = open('pruned')
    assert.throws(() => fresh.importSyncedState(headersUpTo(LENGTH - 1), state), refused)
    const skipping = headersUpTo(LENGTH)
    skipping.splice(5, 1)
    assert.throws(() => fresh.importSyncedState(skipping, state), refused)
    assert.equal(fresh.best.number, 0)
    assert.equal(fresh.hashAt(1), undefined, 'no header written')
    assert.throws(() => open('archive').importSyncedState(headersUpTo(LENGTH), state), refused)
    assert.throws(() => source.importSyncedState(headersUpTo(LENGTH), state), refused)
    fresh.importSyncedState(headersUpTo(LENGTH), state)
    assert.equal(fresh.best.number, LENGTH)
  })
})

describe("Chain: authority proofs (the sets for blocks on a block, from its header and a peer's nodes)", () => {
  let dir: string
  let db: ChainDatabase
  let chain: Chain
  let block: ImportedBlock

  before(async () => {
    await cryptoWaitReady()
    dir = mkdtempSync(join(tmpdir(), 'crust-authority-proof-'))
    db = ChainDatabase.open(dir, { state: 'pruned' })
    const runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
    chain = Chain.open(db, runtime, builtinSpec('dev')!, { finality: 'external', authorities: eraAuthorities() })
    const signer = signerFromUri('//Alice//stash')
    for (let slot = 1; slot <= 3; slot++) block = chain.produceBlock(signer.publicKey, [], slot * BLOCK_TIME + 10, { slot, signer })
  })
  after(async () => {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const invalid = (err: unknown) => err instanceof ChainError && err.code === ChainErrorCode.AUTHORITY_PROOF_INVALID

  it('behavior: a proof gives the sets the chain reads from the full state, though the verifier has only the header', () => {
    chain.authoritiesFor(block.block) // a memo of the block's sets must not leave the proof empty
    const proof = chain.proveAuthorities(block.block)
    assert.ok(proof.length > 1, `${proof.length} nodes`)
    const proven = chain.verifyAuthorityProof(block.block, proof)
    assert.deepEqual(
      proven.authorities.map((k) => u8aToHex(k)),
      chain.authoritiesFor(block.block).map((k) => u8aToHex(k)),
    )
    assert.deepEqual(proven.voters, chain.votersFor(block.block))
  })

  it('errors: a proof missing any one node, with a node altered, or checked against another header is AUTHORITY_PROOF_INVALID', () => {
    const proof = chain.proveAuthorities(block.block)
    for (let i = 0; i < proof.length; i++) {
      assert.throws(
        () =>
          chain.verifyAuthorityProof(
            block.block,
            proof.filter((_, j) => j !== i),
          ),
        invalid,
        `without node ${i}`,
      )
    }
    const altered = proof.map((n, i) => (i === proof.length - 1 ? Uint8Array.from([...n.slice(0, -1), n.at(-1)! ^ 1]) : n))
    assert.throws(() => chain.verifyAuthorityProof(block.block, altered), invalid)
    const other = chain.blockByHash(block.block.header.parentHash)!
    assert.notEqual(u8aToHex(other.header.stateRoot), u8aToHex(block.block.header.stateRoot))
    assert.throws(() => chain.verifyAuthorityProof(other, proof), invalid)
  })
})

describe('Chain: authority proofs kept for voter set changes after their states are pruned', () => {
  let dir: string
  let db: ChainDatabase

  after(async () => {
    await db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: finalizing a set change keeps its proof, served and verified once the state is pruned', async () => {
    await cryptoWaitReady()
    dir = mkdtempSync(join(tmpdir(), 'crust-authority-proof-kept-'))
    db = ChainDatabase.open(dir, { state: 'pruned' })
    const runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME, eraLength: 12, sessionsPerEra: 6 })
    const chain = Chain.open(db, runtime, builtinSpec('dev')!, { finality: 'external', authorities: eraAuthorities(), pruning: 4, pruningBatch: 1 })
    const signer = signerFromUri('//Alice//stash')
    const changes: Array<{ block: ImportedBlock; setId: number }> = []
    let parent = chain.best
    for (let slot = 1; slot <= 40; slot++) {
      const block = chain.produceBlock(signer.publicKey, [], slot * BLOCK_TIME + 10, { slot, signer })
      const setId = chain.votersFor(block.block).setId
      if (setId !== chain.votersFor(parent).setId) changes.push({ block, setId })
      chain.finalize(block.block.hash)
      parent = block.block
    }
    assert.ok(changes.length >= 2, `${changes.length} set changes`)
    for (const { block, setId } of changes) {
      assert.equal(chain.hasState(block.block), false, `block ${block.block.number}'s state is pruned`)
      const proof = chain.authorityProof(block.block)
      assert.ok(proof !== undefined, `a proof kept for block ${block.block.number}`)
      assert.equal(chain.verifyAuthorityProof(block.block, proof).voters.setId, setId)
    }
    const plain = chain.blockByHash(chain.hashAt(changes[0]!.block.block.number + 1)!)!
    assert.equal(chain.authorityProof(plain), undefined, 'none kept for a block without a set change')
  })
})
