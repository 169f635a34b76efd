/**
 * The UnixFS range reader's prefetch (`readFileRange`): a fake block reader at the seam, whose
 * reads complete only when the test lets them, counts how many are in flight at once.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { FILE_PREFETCH_BLOCKS } from '../src/gateway/constants.js'
import { type BlockReader, readFileRange } from '../src/gateway/file-reader.js'

const LEAVES = 40
const LEAF = 16

/** A file of `LEAVES` raw leaves of `LEAF` bytes under one dag-pb root: its blocks by CID string, and its root. */
async function fileDag(): Promise<{ blocks: Map<string, Uint8Array>; root: CID; bytes: Uint8Array }> {
  const blocks = new Map<string, Uint8Array>()
  const bytes = new Uint8Array(LEAVES * LEAF).map((_, i) => i % 251)
  const links: dagPb.PBLink[] = []
  const file = new UnixFS({ type: 'file' })
  for (let i = 0; i < LEAVES; i++) {
    const leaf = bytes.subarray(i * LEAF, (i + 1) * LEAF)
    const cid = CID.createV1(raw.code, await sha256.digest(leaf))
    blocks.set(cid.toString(), leaf)
    links.push({ Hash: cid, Tsize: LEAF })
    file.addBlockSize(BigInt(LEAF))
  }
  const node = dagPb.encode(dagPb.prepare({ Data: file.marshal(), Links: links }))
  const root = CID.createV1(dagPb.code, await sha256.digest(node))
  blocks.set(root.toString(), node)
  return { blocks, root, bytes }
}

/** Reads the whole file with `window` (or the default), each read held until the reader has asked all it will: the most in flight at once. */
async function mostInFlight(window?: number): Promise<{ most: number; read: Uint8Array }> {
  const { blocks, root, bytes } = await fileDag()
  let inFlight = 0
  let most = 0
  const held: Array<() => void> = []
  const store: BlockReader = {
    getBlock: (cid) =>
      new Promise<Uint8Array>((resolve) => {
        inFlight++
        most = Math.max(most, inFlight)
        held.push(() => {
          inFlight--
          resolve(blocks.get(cid.toString())!)
        })
      }),
  }
  // releases the held reads only once the reader stopped asking (every microtask has run)
  const release = setInterval(() => {
    for (const go of held.splice(0)) go()
  }, 1)
  try {
    const parts: Uint8Array[] = []
    for await (const part of readFileRange(store, root, bytes.length, 0, bytes.length, ...(window === undefined ? [] : [window]))) parts.push(part)
    return { most, read: Buffer.concat(parts) }
  } finally {
    clearInterval(release)
  }
}

describe('file reader prefetch', () => {
  it('behavior: keeps up to the window given of sibling reads in flight, and reads the file whole', async () => {
    const { most, read } = await mostInFlight(32)
    assert.equal(most, 32)
    assert.deepEqual(new Uint8Array(read), (await fileDag()).bytes)
  })

  it('behavior: without a window, keeps the gateway default in flight', async () => {
    const { most } = await mostInFlight()
    assert.equal(most, FILE_PREFETCH_BLOCKS)
  })
})
