/** `addToIpfs` against a real IPFS daemon (in this process, over HTTP on a free port). */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type IpfsDaemon, startIpfsDaemon } from '@crust-ts/ipfs'
import { create } from 'kubo-rpc-client'
import { storageProof } from '@crust-ts/protocol'
import { type AddProgress, addToIpfs, contentSize, dagContentRoot, FILE_ROOT_HASHINGS, SdkError } from '../src/index.js'

const code = (c: string) => (err: unknown) => err instanceof SdkError && err.code === c

describe('addToIpfs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-sdk-ipfs-'))
  let daemon: IpfsDaemon
  let api: string
  let gateway: string

  before(async () => {
    daemon = await startIpfsDaemon({ repoPath: join(dir, 'repo'), apiPort: 0, gatewayPort: 0, swarmPort: 0, swarmHost: '127.0.0.1' })
    api = `http://127.0.0.1:${daemon.api.port}`
    gateway = `http://127.0.0.1:${daemon.gateway.port}`
  })
  after(async () => {
    await daemon?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: a file streams with progress; the result is its CID and DAG cumulative size', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17)
    const file = join(dir, 'data.bin')
    writeFileSync(file, data)
    const seen: AddProgress[] = []
    const added = await addToIpfs(file, { ipfsApi: api, onProgress: (p) => seen.push(p) })
    const kubo = create({ url: api })
    const expected = await kubo.add(data, { onlyHash: true })
    assert.equal(added.cid, expected.cid.toString())
    assert.equal(added.name, 'data.bin')
    assert.equal(added.isDirectory, false)
    assert.equal(added.bytes, data.length)
    assert.equal(added.cumulativeSize, Number((await kubo.files.stat(`/ipfs/${added.cid}`)).cumulativeSize))
    assert.ok(added.cumulativeSize > data.length)
    assert.ok(seen.length > 2, 'several progress events')
    assert.deepEqual(seen.at(-1), { bytes: data.length, total: data.length })
    assert.ok(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes))
  })

  it('behavior: the content root of a one-block CIDv1 file is the commitment to its bytes; a multi-block one covers the cumulative size', async () => {
    const small = randomBytes(100_000)
    writeFileSync(join(dir, 'small.bin'), small)
    const one = await addToIpfs(join(dir, 'small.bin'), { ipfsApi: api, cidVersion: 1 })
    const expected = storageProof.contentCommitment(small)
    assert.deepEqual(one.contentRoot, { root: `0x${Buffer.from(expected.root).toString('hex')}`, size: small.length })
    writeFileSync(join(dir, 'big.bin'), randomBytes(1024 * 1024 + 5))
    const big = await addToIpfs(join(dir, 'big.bin'), { ipfsApi: api })
    assert.equal(big.contentRoot?.size, big.cumulativeSize, 'the content is every block of the DAG')
    assert.match(big.contentRoot?.root ?? '', /^0x[0-9a-f]{64}$/)
    assert.equal((await addToIpfs(join(dir, 'big.bin'), { ipfsApi: api, contentRoot: false })).contentRoot, undefined)
  })

  it('behavior: the content root hashed as a file uploads is the one read back from the node, for 0 B to 10 MiB (worker thread) and CIDv1', async () => {
    const cases: Array<[number, 0 | 1]> = [
      [0, 0],
      [1, 0],
      [1025, 0],
      [262145, 0],
      [10 * 1024 * 1024 + 3, 0],
      [3 * 1024 * 1024 + 1, 1],
    ]
    for (const [size, cidVersion] of cases) {
      const file = join(dir, `teed-${size}-${cidVersion}.bin`)
      writeFileSync(file, randomBytes(size))
      const added = await addToIpfs(file, { ipfsApi: api, cidVersion })
      assert.deepEqual(added.contentRoot, await dagContentRoot({ cid: added.cid, ipfsApi: api }), `${size} bytes, CIDv${cidVersion}`)
    }
  })

  it("behavior: a folder's content root hashed as its files upload is the one read back from the node (CIDv0 and CIDv1, 9 MiB: worker thread)", async () => {
    const folder = join(dir, 'teed folder')
    mkdirSync(join(folder, 'sub', 'ünï'), { recursive: true })
    writeFileSync(join(folder, 'B.bin'), randomBytes(9 * 1024 * 1024 + 7))
    writeFileSync(join(folder, 'empty.txt'), '')
    writeFileSync(join(folder, 'a b+c.txt'), randomBytes(300_000))
    writeFileSync(join(folder, 'sub', 'one.bin'), randomBytes(262_144))
    writeFileSync(join(folder, 'sub', 'ünï', 'x.txt'), 'unicode')
    for (const cidVersion of [0, 1] as const) {
      const added = await addToIpfs(folder, { ipfsApi: api, cidVersion })
      assert.equal(added.isDirectory, true)
      assert.deepEqual(added.contentRoot, await dagContentRoot({ cid: added.cid, ipfsApi: api }), `CIDv${cidVersion}`)
    }
  })

  it('behavior: a folder becomes a directory whose index.html serves at /ipfs/<cid>/', async () => {
    const site = join(dir, 'site')
    mkdirSync(join(site, 'css'), { recursive: true })
    writeFileSync(join(site, 'index.html'), '<!doctype html><h1>crust</h1>')
    writeFileSync(join(site, 'css', 'main.css'), 'h1{color:red}')
    const added = await addToIpfs(site, { ipfsApi: api })
    assert.equal(added.isDirectory, true)
    assert.equal(added.name, 'site')
    assert.equal(added.bytes, await contentSize(site))
    const page = await fetch(`${gateway}/ipfs/${added.cid}/`)
    assert.equal(page.status, 200)
    assert.equal(await page.text(), '<!doctype html><h1>crust</h1>')
    assert.equal(await (await fetch(`${gateway}/ipfs/${added.cid}/css/main.css`)).text(), 'h1{color:red}')
  })

  it("behavior: names with spaces, plus signs and non-ASCII letters survive; CIDs equal kubo-rpc-client's", async () => {
    const site = join(dir, 'my site')
    mkdirSync(join(site, 'ünï'), { recursive: true })
    writeFileSync(join(site, 'a b+c.txt'), 'spaces and plus')
    writeFileSync(join(site, 'ünï', 'x.txt'), 'unicode')
    const added = await addToIpfs(site, { ipfsApi: api })
    assert.equal(added.name, 'my site')
    assert.equal(await (await fetch(`${gateway}/ipfs/${added.cid}/${encodeURIComponent('a b+c.txt')}`)).text(), 'spaces and plus')
    assert.equal(await (await fetch(`${gateway}/ipfs/${added.cid}/${encodeURIComponent('ünï')}/x.txt`)).text(), 'unicode')
    const kubo = create({ url: api })
    let viaClient: string | undefined
    for await (const r of kubo.addAll(
      [
        { path: 'my site' },
        { path: 'my site/a b+c.txt', content: new TextEncoder().encode('spaces and plus') },
        { path: 'my site/ünï' },
        { path: 'my site/ünï/x.txt', content: new TextEncoder().encode('unicode') },
      ],
      { onlyHash: true },
    )) {
      if (r.path === 'my site') viaClient = r.cid.toString()
    }
    assert.equal(added.cid, viaClient)
  })

  it('error: a missing path and an API nobody answers are typed errors', async () => {
    await assert.rejects(addToIpfs(join(dir, 'missing'), { ipfsApi: api }), code('SDK_ERROR_NO_SUCH_FILE'))
    const file = join(dir, 'small.txt')
    writeFileSync(file, 'hi')
    await assert.rejects(addToIpfs(file, { ipfsApi: 'http://127.0.0.1:1' }), code('SDK_ERROR_IPFS_UNREACHABLE'))
  })

  it('error: an unknown contentRootHashing or cidVersion is refused before anything is sent, naming the allowed values', async () => {
    const file = join(dir, 'option.txt')
    writeFileSync(file, 'hi')
    // From plain JavaScript: the type system does not stop these.
    const hashing = 'wroker' as unknown as 'worker'
    await assert.rejects(addToIpfs(file, { ipfsApi: 'http://127.0.0.1:1', contentRootHashing: hashing }), (err: unknown) => {
      assert.ok(err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_BAD_OPTION')
      assert.match(err.message, /contentRootHashing must be one of "auto", "inline", "worker"; got "wroker"/)
      return true
    })
    await assert.rejects(addToIpfs(file, { ipfsApi: 'http://127.0.0.1:1', cidVersion: 2 as unknown as 1 }), (err: unknown) => {
      assert.ok(err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_BAD_OPTION')
      assert.match(err.message, /cidVersion must be one of 0, 1; got 2/)
      return true
    })
    // Each allowed value passes the check (and then fails on the unreachable API, not on the option).
    for (const ok of FILE_ROOT_HASHINGS) {
      await assert.rejects(addToIpfs(file, { ipfsApi: 'http://127.0.0.1:1', contentRootHashing: ok }), code('SDK_ERROR_IPFS_UNREACHABLE'))
    }
  })
})
