/** Block import (Aura seal, re-execution) and fork choice between two real chains (LMDB in temp folders). */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { type BlockSigner, findSlot, sealHeader, signerFromUri, unsealHeader, verifySeal } from '../src/primitives/aura.js'
import { Chain, type ImportedBlock, type Reorg } from '../src/chain/index.js'
import { BlockImportError, BlockImportErrorCode, FinalityError } from '../src/chain/errors.js'
import { decodeHeader, encodeHeader, extrinsicsRoot as rootOf, type Header } from '../src/primitives/header.js'
import { type DecodedExtrinsic, decodeExtrinsic } from '../src/frame/extrinsic.js'
import type { Runtime } from '../src/runtime/runtime.js'
import { builtinSpec, type ChainSpec } from '../src/spec/chain-spec.js'
import { TransactionPool } from '../src/node/txpool/transaction-pool.js'
import { transferToFerdie } from './fixtures/signed-call.js'
import { TempChains } from './fixtures/temp-chains.js'

const BLOCK_TIME = 1000

describe('Chain import and fork choice', () => {
  let chains: TempChains
  let spec: ChainSpec
  let runtime: Runtime
  let signers: BlockSigner[]
  let keyring: Keyring

  before(async () => {
    chains = await TempChains.create('crust-import-', BLOCK_TIME)
    ;({ spec, runtime, signers, keyring } = chains)
  })

  after(async () => {
    await chains.close()
  })

  const openChain = (): Chain => chains.open()

  /** Authors the block of `slot` on `chain`'s best block, sealed by the slot's authority. */
  function produce(chain: Chain, slot: number, txs: DecodedExtrinsic[] = []): ImportedBlock {
    const signer = signers[slot % signers.length]!
    return chain.produceBlock(signer.publicKey, txs, slot * BLOCK_TIME + 10, { signer, slot })
  }

  const headerOf = (chain: Chain, block: ImportedBlock): Uint8Array => chain.headerBytesOf(block.block.hash)!

  function transfer(chain: Chain, uri: string, nonce: number): Uint8Array {
    return transferToFerdie(runtime, keyring, chain.genesis.hash, uri, nonce, 1_000_000_000n)
  }

  /** Re-encodes `header` after `edit`, re-sealed by `signer`. */
  function reseal(bytes: Uint8Array, signer: BlockSigner, edit: (h: Header) => Header = (h) => h): Uint8Array {
    const pre = unsealHeader(decodeHeader(bytes))!.preHeader
    return encodeHeader(sealHeader(edit(pre), signer))
  }

  function rejects(fn: () => unknown, code: string): void {
    assert.throws(fn, (err: unknown) => err instanceof BlockImportError && err.code === code)
  }

  it('behavior: sealed blocks of rotating authors import with the same hash and state root', () => {
    const a = openChain()
    const b = openChain()
    const pool = new TransactionPool(runtime, a)
    const blocks = [produce(a, 100)]
    pool.submit(transfer(a, '//Bob', 0))
    blocks.push(a.produceBlock(signers[101 % 4]!.publicKey, pool.source(), 101 * BLOCK_TIME + 10, { signer: signers[101 % 4]!, slot: 101 }))
    blocks.push(produce(a, 102))
    assert.equal(blocks[1]!.extrinsics.length, 2)
    const authors = new Set<string>()
    for (const block of blocks) {
      const result = b.importBlock(headerOf(a, block), block.extrinsics)
      assert.equal(result.status, 'imported')
      assert.ok(result.best)
      assert.equal(findSlot(result.block.header), findSlot(block.block.header))
      const { preHeader, signature } = unsealHeader(result.block.header)!
      const sealer = signers.find((s) => verifySeal(preHeader, signature, s.publicKey))!
      assert.equal(sealer, signers[findSlot(result.block.header)! % 4])
      authors.add(u8aToHex(sealer.publicKey))
    }
    assert.equal(authors.size, 3)
    assert.equal(b.best.hashHex, a.best.hashHex)
    assert.deepEqual(b.best.header.stateRoot, a.best.header.stateRoot)
    assert.equal(b.importBlock(headerOf(a, blocks[0]!), blocks[0]!.extrinsics).status, 'known')
    // Finality is external: nothing final until the gadget says so.
    assert.equal(b.finalized.number, 0)
  })

  it('behavior: a transaction pooled on the importing node is not verified again at import; a block with a forged copy is refused', () => {
    const withGenuine = openChain()
    const withForged = openChain()
    const importer = openChain()
    const genuine = transfer(importer, '//Bob', 0)
    new TransactionPool(runtime, importer).submit(genuine)
    assert.equal(importer.signatures.size, 1)
    const decoded = decodeExtrinsic(runtime, genuine)
    const forgedBytes = Uint8Array.from(genuine)
    forgedBytes[decoded.signed!.signature.byteOffset - decoded.bytes.byteOffset + 7]! ^= 0x01
    // Block production trusts its pool: a chain that authors the forged copy builds a block with it.
    const bad = produce(withForged, 401, [decodeExtrinsic(runtime, forgedBytes)])
    const good = produce(withGenuine, 401, [decoded])
    rejects(() => importer.importBlock(headerOf(withForged, bad), bad.extrinsics), BlockImportErrorCode.BAD_EXTRINSIC)
    assert.equal(importer.signatures.hits, 0)
    assert.equal(importer.importBlock(headerOf(withGenuine, good), good.extrinsics).status, 'imported')
    assert.equal(importer.signatures.hits, 1, 'the pool admission check answered the import')
    assert.equal(importer.best.hashHex, withGenuine.best.hashHex)
  })

  it('error: wrong author, bad seal, same or lower slot, bad roots, unknown parent are rejected', () => {
    const a = openChain()
    const b = openChain()
    const first = produce(a, 200)
    b.importBlock(headerOf(a, first), first.extrinsics)
    const good = produce(a, 201)
    const bytes = headerOf(a, good)
    const author = signers[201 % 4]!
    rejects(() => b.importBlock(reseal(bytes, signers[202 % 4]!), good.extrinsics), BlockImportErrorCode.WRONG_AUTHOR)
    const forged = decodeHeader(bytes)
    const seal = forged.digest.at(-1)!
    assert.equal(seal.tag, 'Seal')
    const badSig = Uint8Array.from((seal.value as [Uint8Array, Uint8Array])[1])
    badSig[10]! ^= 0xff
    forged.digest[forged.digest.length - 1] = { tag: 'Seal', value: [(seal.value as [Uint8Array, Uint8Array])[0], badSig] }
    rejects(() => b.importBlock(encodeHeader(forged), good.extrinsics), BlockImportErrorCode.BAD_SEAL)
    const unsealed = unsealHeader(decodeHeader(bytes))!.preHeader
    rejects(() => b.importBlock(encodeHeader(unsealed), good.extrinsics), BlockImportErrorCode.NO_SEAL)
    const withSlot =
      (slot: number) =>
      (h: Header): Header => ({ ...h, digest: [{ tag: 'PreRuntime', value: [Uint8Array.from([0x61, 0x75, 0x72, 0x61]), u64(slot)] }] })
    rejects(() => b.importBlock(reseal(bytes, signers[200 % 4]!, withSlot(200)), good.extrinsics), BlockImportErrorCode.SLOT_NOT_INCREASING)
    rejects(() => b.importBlock(reseal(bytes, signers[199 % 4]!, withSlot(199)), good.extrinsics), BlockImportErrorCode.SLOT_NOT_INCREASING)
    const mismatch = (() => {
      try {
        b.importBlock(
          reseal(bytes, author, (h) => ({ ...h, stateRoot: new Uint8Array(32).fill(7) })),
          good.extrinsics,
        )
      } catch (err) {
        return err
      }
      return assert.fail('a block with a wrong state root imported')
    })()
    assert.ok(mismatch instanceof BlockImportError)
    assert.equal(mismatch.code, BlockImportErrorCode.STATE_ROOT_MISMATCH)
    // What two nodes need to compare to find where their execution parts: both roots and the calls.
    const detail = mismatch.type as Extract<typeof mismatch.type, { code: 'BLOCK_IMPORT_ERROR_STATE_ROOT_MISMATCH' }>
    assert.equal(detail.expected, `0x${'07'.repeat(32)}`)
    assert.equal(detail.calls.length, good.extrinsics.length)
    assert.equal(detail.calls[0], 'Timestamp.set')
    assert.ok(detail.changedKeys > 0)
    rejects(() => b.importBlock(bytes, [...good.extrinsics, good.extrinsics[0]!]), BlockImportErrorCode.EXTRINSICS_ROOT_MISMATCH)
    const inherentForSlot = produce(openChain(), 300).extrinsics
    rejects(
      () =>
        b.importBlock(
          reseal(bytes, author, (h) => ({ ...h, extrinsicsRoot: rootOf(inherentForSlot) })),
          inherentForSlot,
        ),
      BlockImportErrorCode.BAD_TIMESTAMP,
    )
    rejects(
      () =>
        b.importBlock(
          reseal(bytes, author, (h) => ({ ...h, parentHash: new Uint8Array(32).fill(9) })),
          good.extrinsics,
        ),
      BlockImportErrorCode.UNKNOWN_PARENT,
    )
    rejects(
      () =>
        b.importBlock(
          reseal(bytes, author, (h) => ({ ...h, number: 5 })),
          good.extrinsics,
        ),
      BlockImportErrorCode.BAD_NUMBER,
    )
    // After all that, the genuine block still imports.
    assert.equal(b.importBlock(bytes, good.extrinsics).status, 'imported')
    assert.equal(b.best.hashHex, a.best.hashHex)
  })

  it('behavior: a fork that becomes longer takes over and the canonical index switches', () => {
    const a = openChain()
    const b = openChain()
    const common = produce(a, 400)
    b.importBlock(headerOf(a, common), common.extrinsics)
    const mine = produce(b, 401)
    const theirs = [produce(a, 402), produce(a, 403)]
    const reorgs: Reorg[] = []
    b.on('reorg', (r) => reorgs.push(r))
    const tie = b.importBlock(headerOf(a, theirs[0]!), theirs[0]!.extrinsics)
    assert.equal(tie.best, false, 'a tie goes to the head with the earlier slot (the current best here)')
    assert.equal(b.best.hashHex, mine.block.hashHex)
    const longer = b.importBlock(headerOf(a, theirs[1]!), theirs[1]!.extrinsics)
    assert.ok(longer.best)
    assert.equal(b.best.hashHex, a.best.hashHex)
    assert.equal(u8aToHex(b.hashAt(2)), theirs[0]!.block.hashHex)
    assert.deepEqual(
      reorgs.map((r) => [r.retracted.map((x) => x.hashHex), r.enacted.map((x) => x.hashHex)]),
      [[[mine.block.hashHex], theirs.map((t) => t.block.hashHex)]],
    )
    // The retracted block is still stored (fork blocks are kept).
    assert.ok(b.blockByHash(mine.block.hash))
  })

  it('behavior: equal-height forks: every node picks the head with the earlier slot, whatever the import order', () => {
    const a = openChain()
    const b = openChain()
    const c = openChain()
    const common = produce(a, 700)
    for (const x of [b, c]) x.importBlock(headerOf(a, common), common.extrinsics)
    const early = produce(a, 701)
    const late = produce(b, 702)
    // c sees the later block first, then the earlier one: the earlier one takes over.
    c.importBlock(headerOf(b, late), late.extrinsics)
    assert.equal(c.best.hashHex, late.block.hashHex)
    const reorgs: Reorg[] = []
    c.on('reorg', (r) => reorgs.push(r))
    const taken = c.importBlock(headerOf(a, early), early.extrinsics)
    assert.equal(taken.best, true)
    assert.equal(c.best.hashHex, early.block.hashHex)
    assert.equal(u8aToHex(c.hashAt(2)), early.block.hashHex)
    assert.deepEqual(
      reorgs.map((r) => [r.retracted.map((x) => x.hashHex), r.enacted.map((x) => x.hashHex)]),
      [[[late.block.hashHex], [early.block.hashHex]]],
    )
    // b saw its own (later) block first: the earlier one wins there too.
    assert.equal(b.importBlock(headerOf(a, early), early.extrinsics).best, true)
    assert.equal(b.best.hashHex, early.block.hashHex)
    // The best chain containing a block: its own fork's head when that is not the best chain.
    assert.equal(b.bestContaining(late.block).hashHex, late.block.hashHex)
    assert.equal(b.bestContaining(common.block).hashHex, early.block.hashHex)
    const next = produce(b, 703)
    assert.equal(b.bestContaining(common.block).hashHex, next.block.hashHex)
    assert.equal(b.bestContaining(late.block).hashHex, late.block.hashHex)
  })

  it('behavior: two heads of one slot and height (an equivocation): the lower hash wins on every node', () => {
    const a = openChain()
    const b = openChain()
    const common = produce(a, 800)
    b.importBlock(headerOf(a, common), common.extrinsics)
    const signer = signers[801 % signers.length]!
    const one = a.produceBlock(signer.publicKey, [], 801 * BLOCK_TIME + 10, { signer, slot: 801, parent: common.block })
    const two = b.produceBlock(signer.publicKey, [], 801 * BLOCK_TIME + 20, { signer, slot: 801, parent: common.block })
    a.importBlock(headerOf(b, two), two.extrinsics)
    b.importBlock(headerOf(a, one), one.extrinsics)
    const lower = one.block.hashHex < two.block.hashHex ? one : two
    assert.equal(a.best.hashHex, lower.block.hashHex)
    assert.equal(b.best.hashHex, lower.block.hashHex)
  })

  it('behavior: a longer fork never takes over past the finalized block; finalize never reverts', () => {
    const a = openChain()
    const b = openChain()
    const common = produce(a, 500)
    b.importBlock(headerOf(a, common), common.extrinsics)
    const mine = produce(b, 501)
    b.finalize(mine.block.hash)
    assert.equal(b.finalized.hashHex, mine.block.hashHex)
    const theirs = [produce(a, 502), produce(a, 503)]
    rejects(() => b.importBlock(headerOf(a, theirs[0]!), theirs[0]!.extrinsics), BlockImportErrorCode.NOT_DESCENDANT_OF_FINALIZED)
    rejects(() => b.importBlock(headerOf(a, theirs[1]!), theirs[1]!.extrinsics), BlockImportErrorCode.UNKNOWN_PARENT)
    assert.equal(b.best.hashHex, mine.block.hashHex)
    assert.throws(() => b.finalize(theirs[0]!.block.hash), FinalityError)
    b.finalize(common.block.hash) // an ancestor of the finalized block: nothing changes
    assert.equal(b.finalized.hashHex, mine.block.hashHex)
    assert.throws(
      () => b.finalize(new Uint8Array(32)),
      (err: unknown) => err instanceof FinalityError && err.code === 'FINALITY_ERROR_UNKNOWN_BLOCK',
    )
  })

  it('behavior: finalizing a block off the best chain makes its longest chain the best', () => {
    const a = openChain()
    const b = openChain()
    const common = produce(a, 600)
    b.importBlock(headerOf(a, common), common.extrinsics)
    const theirs = produce(a, 601)
    const mine = [produce(b, 602), produce(b, 603)]
    b.importBlock(headerOf(a, theirs), theirs.extrinsics)
    assert.equal(b.best.hashHex, mine[1]!.block.hashHex)
    b.finalize(theirs.block.hash)
    assert.equal(b.best.hashHex, theirs.block.hashHex)
    assert.equal(b.finalized.hashHex, theirs.block.hashHex)
    assert.equal(b.hashAt(3), undefined)
    assert.equal(u8aToHex(b.hashAt(2)), theirs.block.hashHex)
    // The chain reopens on the same head.
    const reopened = Chain.open(b.db, runtime, spec, { finality: 'external' })
    assert.equal(reopened.best.hashHex, theirs.block.hashHex)
    assert.equal(reopened.finalized.hashHex, theirs.block.hashHex)
  })

  it('behavior: a single authority with author finality finalizes the parent of each new block', () => {
    const chain = chains.open({ finality: 'author' }, builtinSpec('dev')!)
    const signer = signerFromUri('//Alice//stash')
    const first = chain.produceBlock(signer.publicKey, [], 700 * BLOCK_TIME, { signer })
    const second = chain.produceBlock(signer.publicKey, [], 700 * BLOCK_TIME, { signer })
    assert.equal(findSlot(second.block.header), findSlot(first.block.header)! + 1)
    assert.equal(chain.finalized.hashHex, first.block.hashHex)
  })
})

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true)
  return out
}
