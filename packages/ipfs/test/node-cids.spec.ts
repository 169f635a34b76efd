/**
 * CID equality with Kubo: every vector here is Kubo's own output for the same bytes and flags,
 * computed by our node's add (LMDB repo, Kubo options from `kuboAddOptions`). Sources:
 * - ipfs/kubo test/sharness/t0040-add-and-cat.sh: small files, the `planets` directory (default,
 *   `--raw-leaves`, `--cid-version=1`), the nested `moons` directory, the empty file;
 * - ipfs/kubo test/cli/add_test.go and cid_profiles_test.go: `hello world`, and multi-chunk files of
 *   `testutils.DeterministicRandomReader` bytes (ChaCha20 stream keyed by sha256(seed), see
 *   fixtures/content.ts): 174 and 175 chunks of 256 KiB (legacy-cid-v0 = Kubo's defaults) and
 *   174 and 175 chunks of 1 MiB with CIDv1 and raw leaves (profile test-cid-v1, i.e.
 *   `--cid-version=1 --chunker=size-1048576`), i.e. one full layer of 174 links and the first
 *   file that needs a second layer (root with 2 links).
 * A one-chunk file added with CIDv1 is its raw leaf (Kubo: CIDv1 implies raw leaves and a
 * single-leaf file is reduced to the leaf), so its CID is the CIDv1 raw CID of its sha2-256.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, type KuboAddFlags, kuboAddOptions } from '../src/index.js'
import { collect, dagBlocks, deterministicBytes, rawLeafCid, tempDir } from './fixtures/content.js'

const KiB = 1024
const MiB = 1024 * KiB
const text = (s: string) => new TextEncoder().encode(s)

describe('node: CIDs equal Kubo', () => {
  const dir = tempDir('cids')
  let node: DefaultIpfsNode

  before(async () => {
    node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: ['/ip4/127.0.0.1/tcp/0'] })
  })

  after(async () => {
    await node.stop()
    dir.remove()
  })

  const addBytes = (bytes: Uint8Array, flags?: KuboAddFlags) => node.fs.addBytes(bytes, kuboAddOptions(flags))

  async function addTree(files: Array<[string, string]>, flags?: KuboAddFlags): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    for await (const entry of node.fs.addAll(
      files.map(([p, content]) => ({ path: p, content: text(content) })),
      kuboAddOptions(flags),
    )) {
      out.set(entry.path ?? '', entry.cid.toString())
    }
    return out
  }

  it('behavior: small files with default options (CIDv0, dag-pb leaves)', async () => {
    assert.equal((await addBytes(text('hello world\n'))).toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    assert.equal((await addBytes(text('hello world'))).toString(), 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD')
    assert.equal((await addBytes(text('Hello Worlds!\n'))).toString(), 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH')
    assert.equal((await addBytes(text('Hello Venus!\n'))).toString(), 'QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4')
    assert.equal((await addBytes(text('Hello Neptune!\nHello Pluton!'))).toString(), 'QmZDhWpi8NvKrekaYYhxKCdNVGWsFFe1CREnAjP1QbPaB3')
    assert.equal((await addBytes(new Uint8Array(0))).toString(), 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH')
  })

  it('behavior: small files with cidVersion 1 are raw leaves', async () => {
    assert.equal((await addBytes(text('hello world'), { cidVersion: 1 })).toString(), 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    assert.equal((await addBytes(new Uint8Array(0), { cidVersion: 1 })).toString(), 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    const hello = text('hello world\n')
    assert.equal((await addBytes(hello, { cidVersion: 1 })).toString(), (await rawLeafCid(hello)).toString())
    // CIDv1 without raw leaves keeps dag-pb leaves (Kubo's Import.UnixFSRawLeaves=false)
    assert.equal(
      (await addBytes(text('hello world'), { cidVersion: 1, rawLeaves: false })).toString(),
      'bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa',
    )
  })

  it('behavior: a directory, with default options, --raw-leaves and --cid-version=1', async () => {
    const planets: Array<[string, string]> = [
      ['planets/mars.txt', 'Hello Mars!\n'],
      ['planets/venus.txt', 'Hello Venus!\n'],
    ]
    assert.deepEqual(
      await addTree(planets),
      new Map([
        ['planets/mars.txt', 'QmPrrHqJzto9m7SyiRzarwkqPcCSsKR2EB1AyqJfe8L8tN'],
        ['planets/venus.txt', 'QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4'],
        ['planets', 'QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY'],
      ]),
    )
    assert.deepEqual(
      await addTree(planets, { rawLeaves: true }),
      new Map([
        ['planets/mars.txt', 'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4'],
        ['planets/venus.txt', 'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca'],
        ['planets', 'QmfWfQfKCY5Ukv9peBbxM5vqWM9BzmqUSXvdCgjT2wsiBT'],
      ]),
    )
    assert.deepEqual(
      await addTree(planets, { cidVersion: 1 }),
      new Map([
        ['planets/mars.txt', 'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4'],
        ['planets/venus.txt', 'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca'],
        ['planets', 'bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi'],
      ]),
    )
    assert.deepEqual(
      await addTree(planets, { cidVersion: 1, rawLeaves: false }),
      new Map([
        ['planets/mars.txt', 'bafybeiawta2ntdmsy24aro35w3homzl4ak7svr3si7l7gesvq4erglyye4'],
        ['planets/venus.txt', 'bafybeicvkvhs2fr75ynebtdjqpgm4g2fc63abqbmysupwpmcjl4gx7mzrm'],
        ['planets', 'bafybeif5tuep5ap2d7zyhbktucey75aoacxufgt6i3v4gebmixyipnyp7y'],
      ]),
    )
  })

  it('behavior: a nested directory', async () => {
    const moons = await addTree([
      ['moons/jupiter/europa.txt', 'Hello Europa!\n'],
      ['moons/saturn/titan.txt', 'Hello Titan!\n'],
      ['moons/mercury.txt', 'hey youre no moon!\n'],
    ])
    assert.equal(moons.get('moons/jupiter/europa.txt'), 'Qmbjg7zWdqdMaK2BucPncJQDxiALExph5k3NkQv5RHpccu')
    assert.equal(moons.get('moons/saturn/titan.txt'), 'QmZzppb9WHn552rmRqpPfgU5FEiHH6gDwi3MrB9cTdPwdb')
    assert.equal(moons.get('moons/mercury.txt'), 'QmUJjVtnN8YEeYcS8VmUeWffTWhnMQAkk5DzZdKnPhqUdK')
    assert.equal(moons.get('moons/jupiter'), 'QmS5mZddhFPLWFX3w6FzAy9QxyYkaxvUpsWCtZ3r7jub9J')
    assert.equal(moons.get('moons/saturn'), 'QmaMagZT4rTE7Nonw8KGSK4oe1bh533yhZrCo1HihSG8FK')
    assert.equal(moons.get('moons'), 'QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ')
  })

  async function rootLinks(cid: CID): Promise<number> {
    return dagPb.decode(await collect(node.helia.blockstore.get(cid, { offline: true }))).Links.length
  }

  it('behavior: files of 174 and 175 chunks with default options (256 KiB chunks, 174 links)', async () => {
    const full = await node.fs.addByteStream(deterministicBytes(44544 * KiB, 'v0-seed'), kuboAddOptions())
    assert.equal(full.toString(), 'QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2')
    assert.equal(await rootLinks(full), 174)
    const over = await node.fs.addByteStream(deterministicBytes(44800 * KiB, 'v0-seed'), kuboAddOptions())
    assert.equal(over.toString(), 'QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf')
    assert.equal(await rootLinks(over), 2)
    // every block is stored and hashes to its CID: 175 leaves, 2 inner nodes, the root
    assert.equal((await dagBlocks(node.helia.blockstore, over)).length, 175 + 2 + 1)
  })

  it('behavior: files of 174 and 175 chunks with cidVersion 1 (raw leaves, 1 MiB chunks)', async () => {
    const flags: KuboAddFlags = { cidVersion: 1, chunkSize: MiB }
    const full = await node.fs.addByteStream(deterministicBytes(174 * MiB, 'v1-seed'), kuboAddOptions(flags))
    assert.equal(full.toString(), 'bafybeigwduxcf2aawppv3isnfeshnimkyplvw3hthxjhr2bdeje4tdaicu')
    assert.equal(await rootLinks(full), 174)
    const over = await node.fs.addByteStream(deterministicBytes(175 * MiB, 'v1-seed'), kuboAddOptions(flags))
    assert.equal(over.toString(), 'bafybeidhd7lo2n2v7lta5yamob3xwhbxcczmmtmhquwhjesi35jntf7mpu')
    assert.equal(await rootLinks(over), 2)
  })

  it('behavior: CIDv0 and CIDv1 of the same bytes share one stored block', async () => {
    const before = (await node.repoStat()).numObjects
    const v0 = await addBytes(text('shared block, two CIDs\n'))
    const v1 = v0.toV1()
    assert.equal((await node.repoStat()).numObjects, before + 1n)
    assert.equal(await node.helia.blockstore.has(v1), true)
    assert.deepEqual(await collect(node.helia.blockstore.get(v1, { offline: true })), await collect(node.helia.blockstore.get(v0, { offline: true })))
  })
})
