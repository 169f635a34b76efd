/**
 * CIDs produced by `add` through the API with `kubo-rpc-client` must equal Kubo's. Vectors come
 * from Kubo's own tests: `test/sharness/t0040-add-and-cat.sh` (small files, the planets and moons
 * directories) and `test/cli/cid_profiles_test.go` (ChaCha20 deterministic files at and past the
 * chunk size and the 174-link limit, flat and HAMT-sharded directories at the 256 KiB threshold).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { all, type ApiFixture, startApi } from './fixtures/api-server.js'
import { deterministicBytes, deterministicNames } from './fixtures/deterministic.js'

const enc = new TextEncoder()
const KiB256 = 262144

describe('api add: CIDs equal Kubo', () => {
  let api: ApiFixture

  before(async () => {
    api = await startApi()
  })

  after(async () => {
    await api.stop()
  })

  it('behavior: small files (default CIDv0, raw leaves, empty file)', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['hello world\n', {}, 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'],
      ['Hello Worlds!\n', {}, 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH'],
      ['Hello Venus!\n', {}, 'QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4'],
      ['Hello Jupiter!\n', {}, 'QmUnvPcBctVTAcJpigv6KMqDvmDewksPWrNVoy1E1WP5fh'],
      ['Hello Neptune!\nHello Pluton!', {}, 'QmZDhWpi8NvKrekaYYhxKCdNVGWsFFe1CREnAjP1QbPaB3'],
      ['', {}, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
      ['', { rawLeaves: true }, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'],
      ['Hello Mars!\n', { cidVersion: 1 }, 'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4'],
      ['Hello Mars!\n', { cidVersion: 1, rawLeaves: false }, 'bafybeiawta2ntdmsy24aro35w3homzl4ak7svr3si7l7gesvq4erglyye4'],
    ]
    for (const [text, options, expected] of cases) {
      const added = await api.client.add(enc.encode(text), options)
      assert.equal(added.cid.toString(), expected, `${JSON.stringify(text)} ${JSON.stringify(options)}`)
      // an unnamed upload is named after its CID, as in Kubo (`added <hash> <hash>`)
      assert.equal(added.path, expected)
    }
  })

  it('behavior: the planets directory with four option sets', async () => {
    const variants: Array<[Record<string, unknown>, string, string, string]> = [
      [
        {},
        'QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY',
        'QmPrrHqJzto9m7SyiRzarwkqPcCSsKR2EB1AyqJfe8L8tN',
        'QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4',
      ],
      [
        { rawLeaves: true },
        'QmfWfQfKCY5Ukv9peBbxM5vqWM9BzmqUSXvdCgjT2wsiBT',
        'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4',
        'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca',
      ],
      [
        { cidVersion: 1 },
        'bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi',
        'bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4',
        'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca',
      ],
      [
        { cidVersion: 1, rawLeaves: false },
        'bafybeif5tuep5ap2d7zyhbktucey75aoacxufgt6i3v4gebmixyipnyp7y',
        'bafybeiawta2ntdmsy24aro35w3homzl4ak7svr3si7l7gesvq4erglyye4',
        'bafybeicvkvhs2fr75ynebtdjqpgm4g2fc63abqbmysupwpmcjl4gx7mzrm',
      ],
    ]
    for (const [options, planets, mars, venus] of variants) {
      const events = await all(
        api.client.addAll(
          [
            { path: 'planets' },
            { path: 'planets/mars.txt', content: enc.encode('Hello Mars!\n') },
            { path: 'planets/venus.txt', content: enc.encode('Hello Venus!\n') },
          ],
          options,
        ),
      )
      assert.deepEqual(
        events.map((e) => [e.path, e.cid.toString()]),
        [
          ['planets/mars.txt', mars],
          ['planets/venus.txt', venus],
          ['planets', planets],
        ],
        JSON.stringify(options),
      )
    }
  })

  it('behavior: only-hash of nested directories emits files then directories post-order and stores nothing', async () => {
    const files: Array<[string, string]> = [
      ['moons/jupiter/europa.txt', 'Hello Europa!\n'],
      ['moons/mercury.txt', 'hey you are no moon!\n'],
      ['moons/saturn/titan.txt', 'Hello Titan!\n'],
    ]
    const events = await all(
      api.client.addAll(
        files.map(([path, text]) => ({ path, content: enc.encode(text) })),
        { onlyHash: true },
      ),
    )
    assert.deepEqual(
      events.map((e) => [e.path, e.cid.toString()]),
      [
        ['moons/jupiter/europa.txt', 'Qmbjg7zWdqdMaK2BucPncJQDxiALExph5k3NkQv5RHpccu'],
        ['moons/mercury.txt', 'QmRsTB5CpEUvDUpDgHCzb3VftZ139zrk9zs5ZcgYh9TMPJ'],
        ['moons/saturn/titan.txt', 'QmZzppb9WHn552rmRqpPfgU5FEiHH6gDwi3MrB9cTdPwdb'],
        ['moons/jupiter', 'QmS5mZddhFPLWFX3w6FzAy9QxyYkaxvUpsWCtZ3r7jub9J'],
        ['moons/saturn', 'QmaMagZT4rTE7Nonw8KGSK4oe1bh533yhZrCo1HihSG8FK'],
        ['moons', 'QmbGoaQZm8kjYfCiN1aBsgwhqfUBGDYTrDb91Mz7Dvq81B'],
      ],
    )
    for (const e of events) assert.equal(await api.node.helia.blockstore.has(e.cid), false, `${e.path} must not be stored`)
    const pins = await all(api.client.pin.ls({ paths: [] }))
    assert.equal(
      pins.some((p) => p.cid.equals(events.at(-1)!.cid)),
      false,
    )
  })

  it('behavior: deterministic files at and past one chunk (CIDv0 256 KiB, CIDv1 1 MiB)', async () => {
    const cases: Array<[number, string, Record<string, unknown>, string]> = [
      [KiB256, 'chunk-v0-seed', {}, 'QmWmRj3dFDZdb6ABvbmKhEL6TmPbAfBZ1t5BxsEyJrcZhE'],
      [KiB256 + 1, 'chunk-v0-seed', {}, 'QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ'],
      [1048576, 'chunk-v1-seed', { cidVersion: 1, chunker: 'size-1048576' }, 'bafkreiacndfy443ter6qr2tmbbdhadvxxheowwf75s6zehscklu6ezxmta'],
      [1048577, 'chunk-v1-seed', { cidVersion: 1, chunker: 'size-1048576' }, 'bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64'],
    ]
    for (const [size, seed, options, expected] of cases) {
      const added = await api.client.add(deterministicBytes(size, seed), options)
      assert.equal(added.cid.toString(), expected, `${size} bytes ${JSON.stringify(options)}`)
    }
  })

  it('behavior: multi-MiB files at and past 174 links (balanced layout gains a level)', async () => {
    const atLimit = await api.client.add(deterministicBytes(174 * KiB256, 'v0-seed'))
    assert.equal(atLimit.cid.toString(), 'QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2')
    const pastLimit = await api.client.add(deterministicBytes(174 * KiB256 + 1, 'v0-seed'))
    assert.equal(pastLimit.cid.toString(), 'QmV81WL765sC8DXsRhE5fJv2rwhS4icHRaf3J9Zk5FdRnW')
    const stat = await api.client.files.stat(`/ipfs/${pastLimit.cid}`)
    assert.equal(stat.size, 174 * KiB256 + 1)
    assert.equal(stat.blocks, 2, 'root of a 175-chunk file has two children')
  })

  it('behavior: flat directory at the HAMT threshold and sharded directory past it', async () => {
    const cases: Array<[number, number, string]> = [
      [4096, 30, 'QmX5GtRk3TSSEHtdrykgqm4eqMEn3n2XhfkFAis5fjyZmN'],
      [4033, 31, 'QmeMiJzmhpJAUgynAcxTQYek5PPKgdv3qEvFsdV3XpVnvP'],
    ]
    for (const [count, nameLen, expected] of cases) {
      const names = await deterministicNames(count, nameLen, nameLen, 'hamt-unixfs-v0-2015')
      const events = await all(api.client.addAll(names.map((name) => ({ path: `dir/${name}`, content: enc.encode('x') }))))
      const root = events.at(-1)!
      assert.equal(root.path, 'dir')
      assert.equal(root.cid.toString(), expected, `${count} files of ${nameLen}-character names`)
      assert.equal(events.length, count + 1, 'one event per file plus the directory')
    }
  })

  it('behavior: chunker and max-file-links change the DAG as in Kubo', async () => {
    // same bytes, smaller chunks: more leaves, different root
    const small = await api.client.add(deterministicBytes(10000, 'chunk-v0-seed'), { chunker: 'size-1000' })
    const stat = await api.client.files.stat(`/ipfs/${small.cid}`)
    assert.equal(stat.blocks, 10)
    const capped = await api.client.add(deterministicBytes(10000, 'chunk-v0-seed'), { chunker: 'size-1000', maxFileLinks: 4 } as never)
    const cappedStat = await api.client.files.stat(`/ipfs/${capped.cid}`)
    assert.equal(cappedStat.blocks, 3, 'ten leaves under nodes of at most four links')
    assert.notEqual(capped.cid.toString(), small.cid.toString())
  })
})
