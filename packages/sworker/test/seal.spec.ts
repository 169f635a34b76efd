import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { exporter } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import { type BlockSource, blockstoreBlockSource, devAttestationAuthority, SealError, SEALED_STORE_DIR, Sworker } from '../src/index.js'
import { fileBytes, importFile, PLAINTEXT_MARKER, suiteSworker, tempDir } from './fixtures/dag.js'

async function collect(sworker: Sworker, cid: string): Promise<MemoryBlockstore> {
  const out = new MemoryBlockstore()
  for await (const { cid: c, bytes } of sworker.sealer.unseal(cid)) await out.put(c, bytes)
  return out
}

async function readFile(blockstore: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  const entry = await exporter(cid, blockstore)
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error('not a file')
  const chunks: Uint8Array[] = []
  for await (const chunk of entry.content()) chunks.push(chunk as Uint8Array)
  return new Uint8Array(Buffer.concat(chunks))
}

describe('seal', () => {
  const suite = suiteSworker()

  it('behavior: a multi-MiB Kubo-default DAG seals and unseals to the same blocks and bytes', async () => {
    const bytes = fileBytes(5 * 1024 * 1024 + 12345)
    const { blockstore, cid } = await importFile(bytes)
    const record = await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore), { cBlockNum: 42 })
    assert.equal(record.status, 'valid')
    assert.equal(record.cBlockNum, 42)
    const root = dagPb.decode(await readFile2(blockstore, cid))
    const rootBytes = await readFile2(blockstore, cid)
    const cumulative = rootBytes.length + root.Links.reduce((n, l) => n + (l.Tsize ?? 0), 0)
    assert.equal(record.size, cumulative, 'size is the DAG cumulative size')
    assert.ok(record.blockCount > 20)
    assert.ok(record.sealedSize > record.size)
    assert.match(record.root, /^[0-9a-f]{64}$/)

    const unsealed = await collect(suite.sworker, cid.toString())
    let count = 0
    for await (const { cid: c, bytes: b } of suite.sworker.sealer.unseal(cid.toString())) {
      assert.deepEqual(b, await readFile2(blockstore, c))
      count++
    }
    assert.equal(count, record.blockCount)
    assert.deepEqual(await readFile(unsealed, cid), bytes)
  })

  it('behavior: CIDv1 raw-leaf DAGs seal too', async () => {
    const bytes = fileBytes(2 * 1024 * 1024, 'raw')
    const { blockstore, cid } = await importFile(bytes, { cidVersion: 1, rawLeaves: true })
    const record = await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
    assert.equal(record.status, 'valid')
    assert.deepEqual(await readFile(await collect(suite.sworker, cid.toString()), cid), bytes)
  })

  it('behavior: the sealed store on disk does not contain the plaintext', async () => {
    const marker = Buffer.from(PLAINTEXT_MARKER)
    const dir = path.join(suite.dir, SEALED_STORE_DIR)
    let scanned = 0
    for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!fs.statSync(path.join(dir, name)).isFile()) continue
      const content = fs.readFileSync(path.join(dir, name))
      scanned += content.length
      assert.equal(content.indexOf(marker), -1, `${name} holds plaintext`)
    }
    assert.ok(scanned > 5 * 1024 * 1024, 'the sealed data is on disk')
    // the source data does contain it
    assert.notEqual(Buffer.from(fileBytes(1024 * 1024)).indexOf(marker), -1)
  })

  it('error: a block that does not hash to its CID fails the seal and leaves nothing', async () => {
    const { blockstore, cid } = await importFile(fileBytes(1024 * 1024, 'bad'))
    const good = blockstoreBlockSource(blockstore)
    let n = 0
    const source: BlockSource = {
      async get(c, options) {
        const b = await good.get(c, options)
        if (++n === 3) {
          const copy = new Uint8Array(b)
          copy[copy.length - 1]! ^= 1
          return copy
        }
        return b
      },
    }
    await assert.rejects(suite.sworker.sealer.seal(cid, source), (err: unknown) => err instanceof SealError && err.code === 'SWORKER_ERROR_SEAL_BLOCK_MISMATCH')
    assert.equal(suite.sworker.sealer.get(cid.toString()), undefined)
  })

  it('error: an inner block that does not hash to its CID is refused before its links are fetched', async () => {
    const { blockstore, cid } = await importFile(fileBytes(1024 * 1024, 'bad root'))
    const good = blockstoreBlockSource(blockstore)
    let n = 0
    const source: BlockSource = {
      async get(c, options) {
        const b = await good.get(c, options)
        if (++n > 1) return b
        const copy = new Uint8Array(b)
        copy[copy.length - 1]! ^= 1
        return copy
      },
    }
    await assert.rejects(suite.sworker.sealer.seal(cid, source), (err: unknown) => err instanceof SealError && err.code === 'SWORKER_ERROR_SEAL_BLOCK_MISMATCH')
    assert.equal(n, 1, 'no linked block was fetched')
    assert.equal(suite.sworker.sealer.get(cid.toString()), undefined)
  })

  it('behavior: sealing on the calling thread (sealThreads 0) gives the same blocks back', async () => {
    const other = tempDir()
    const inline = await Sworker.open({ dataDir: other.dir, authority: devAttestationAuthority(), sealThreads: 0 })
    try {
      const bytes = fileBytes(3 * 1024 * 1024 + 7, 'inline')
      const { blockstore, cid } = await importFile(bytes)
      const record = await inline.sealer.seal(cid, blockstoreBlockSource(blockstore))
      assert.equal(record.status, 'valid')
      const unsealed = new MemoryBlockstore()
      for await (const { cid: c, bytes: b } of inline.sealer.unseal(cid.toString())) await unsealed.put(c, b)
      assert.deepEqual(await readFile(unsealed, cid), bytes)
    } finally {
      await inline.close()
      other.remove()
    }
  })

  it('behavior: on open, a data file without a file record is removed and sealed files stay', async () => {
    const other = tempDir()
    try {
      const first = await Sworker.open({ dataDir: other.dir, authority: devAttestationAuthority() })
      const { blockstore, cid } = await importFile(fileBytes(600 * 1024, 'orphan'))
      await first.sealer.seal(cid, blockstoreBlockSource(blockstore))
      const orphan = first.store.blockFiles.path('QmOrphanOrphanOrphanOrphanOrphanOrphanOrphan12')
      fs.writeFileSync(orphan, 'left by a crash')
      await first.close()
      const again = await Sworker.open({ dataDir: other.dir, authority: devAttestationAuthority() })
      try {
        assert.equal(fs.existsSync(orphan), false)
        assert.equal(again.sealer.get(cid.toString())?.status, 'valid')
        assert.ok(again.sealer.verifyBlock(cid.toString(), 0) !== undefined)
      } finally {
        await again.close()
      }
    } finally {
      other.remove()
    }
  })

  it('behavior: delete removes the file and its sealed blocks', async () => {
    const { blockstore, cid } = await importFile(fileBytes(600 * 1024, 'del'))
    await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
    assert.ok(fs.existsSync(suite.sworker.store.blockFiles.path(cid.toString())), 'the sealed blocks are in a data file')
    assert.equal(await suite.sworker.sealer.delete(cid.toString()), true)
    assert.equal(suite.sworker.sealer.get(cid.toString()), undefined)
    assert.equal(fs.existsSync(suite.sworker.store.blockFiles.path(cid.toString())), false, 'the data file is gone')
    assert.equal(suite.sworker.sealer.verifyBlock(cid.toString(), 0), undefined)
    assert.equal(await suite.sworker.sealer.delete(cid.toString()), false)
    await assert.rejects(
      async () => {
        for await (const _ of suite.sworker.sealer.unseal(cid.toString())) break
      },
      (err: unknown) => err instanceof SealError && err.code === 'SWORKER_ERROR_SEAL_NOT_FOUND',
    )
  })
})

async function readFile2(blockstore: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  return blockstoreBlockSource(blockstore).get(cid)
}
