/**
 * Headers-first sync between real chains behind real libp2p hosts on loopback (one process): a
 * fresh node catches up with a peer's chain asking for headers before any bodies, and a peer that
 * serves a tampered header (a bad seal, a broken parent link) is penalised before any body is
 * fetched from it. The tampering peer is a real host answering the sync protocol from a real
 * chain's data, with one header changed.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Chain, decodeHeader, encodeBody, encodeHeader, type Header } from '@crust-ts/chain'
import { silentLogger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import * as lp from 'it-length-prefixed'
import { ChainSync, type ConsensusHost, encodeBlock, syncProtocol } from '../src/index.js'
import { checkHeaders } from '../src/sync-header-check.js'
import { encodeJson, parseRequest, plainBytes, type SyncRequest } from '../src/wire.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'

describe('headers-first sync', () => {
  let local: LocalChains
  /** A chain of `LENGTH` blocks that every test syncs from. */
  let source: Chain
  const LENGTH = 200

  before(async () => {
    local = await LocalChains.create('crust-headers-sync-', { blockTimeMs: 1000 })
    source = local.chain('source')
    for (let slot = 1; slot <= LENGTH; slot++) local.produce(source, slot)
  })

  after(async () => {
    await local.close()
  })

  /** A fresh chain on its own host and network (started), with a sync (not started: tests trigger it). */
  async function freshNode(name: string) {
    const chain = local.chain(name)
    const host = await local.host(name)
    const network = await local.network(host, chain)
    const sync = local.track(new ChainSync({ chain, network, logger: silentLogger }))
    return { chain, host, network, sync }
  }

  const headerAt = (n: number): Uint8Array => source.headerBytesOf(source.hashAt(n)!)!

  /**
   * Makes each of `fresh`'s imports hold the thread for 10 ms, as a block does at mainnet size (a
   * seam: the chain's own import runs after), syncs it from `from`, and returns the heights below
   * the head a 1 ms timer found on its turns meanwhile.
   */
  async function heightsSeenDuringSlowCatchUp(fresh: Awaited<ReturnType<typeof freshNode>>, from: ConsensusHost): Promise<number[]> {
    const importBlock = fresh.chain.importBlock.bind(fresh.chain)
    fresh.chain.importBlock = (header, extrinsics) => {
      const until = performance.now() + 10
      while (performance.now() < until) {}
      return importBlock(header, extrinsics)
    }
    await fresh.host.dial(from.getMultiaddrs()[0]!)
    await waitFor(async () => (fresh.network.peers().length > 0 ? true : undefined), 'connected')
    const seen = new Set<number>()
    const ticker = setInterval(() => seen.add(fresh.chain.best.number), 1)
    try {
      fresh.sync.trigger()
      await waitFor(async () => (fresh.chain.best.number === LENGTH ? true : undefined), 'the fresh node synced')
    } finally {
      clearInterval(ticker)
    }
    return [...seen].filter((n) => n > 0 && n < LENGTH).sort((a, b) => a - b)
  }

  /**
   * A host serving `source`'s chain over the sync protocol with the header bytes `tamper` returns
   * (it gets each header's number and decoded form); records the requests it answers. A `legacy`
   * host answers `headers` and `bodies` requests with an error, as an older node does.
   */
  async function servingHost(name: string, tamper: (n: number, header: Header) => Header | undefined, opts: { legacy?: boolean; emptyBodyOf?: number } = {}) {
    const host: ConsensusHost = await local.host(name)
    const requests: SyncRequest[] = []
    const answer = (request: SyncRequest): Uint8Array[] => {
      if (request.type === 'status') {
        const ref = (b: { number: number; hashHex: string }) => ({ number: b.number, hash: b.hashHex })
        return [encodeJson({ genesis: source.genesis.hashHex, best: ref(source.best), finalized: ref(source.genesis) })]
      }
      if (opts.legacy === true && (request.type === 'headers' || request.type === 'bodies')) throw new Error('unknown sync request')
      if (request.type === 'bodies') {
        const emptied = opts.emptyBodyOf === undefined ? undefined : u8aToHex(source.hashAt(opts.emptyBodyOf)!)
        return request.hashes.map((h) => encodeBody(h === emptied ? [] : (source.extrinsicsOf(hexToU8a(h)) ?? [])))
      }
      if (request.type === 'headers') {
        const out: Uint8Array[] = []
        for (let n = request.from; n <= Math.min(source.best.number, request.from + request.max - 1); n++) {
          const changed = tamper(n, decodeHeader(headerAt(n)))
          out.push(changed === undefined ? headerAt(n) : encodeHeader(changed))
        }
        return out
      }
      if (request.type === 'range') {
        const out: Uint8Array[] = []
        for (let n = request.from; n <= Math.min(source.best.number, request.from + request.max - 1); n++) {
          const hash = source.hashAt(n)!
          out.push(encodeBlock({ header: headerAt(n), extrinsics: source.extrinsicsOf(hash)! }))
        }
        return out
      }
      return []
    }
    await host.handle(syncProtocol(source.genesis.hashHex), async (stream) => {
      try {
        const frames: Uint8Array[] = []
        for await (const frame of lp.decode(stream, { maxDataLength: 1 << 16 })) frames.push(plainBytes(frame.subarray()))
        const request = parseRequest(frames[0]!)
        requests.push(request)
        for (const out of answer(request)) if (!stream.send(lp.encode.single(out))) await stream.onDrain()
        await stream.close()
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })
    return { host, requests }
  }

  it('behavior: a fresh node syncs a chain asking for headers before bodies, bodies in bounded requests', async () => {
    const peer = await freshNode('ahead')
    for (let n = 1; n <= LENGTH; n++) peer.chain.importBlock(headerAt(n), source.extrinsicsOf(source.hashAt(n)!)!)
    const fresh = await freshNode('fresh')
    const served: SyncRequest[] = []
    peer.network.on('served', (from: PeerId, request: SyncRequest) => {
      if (from.equals(fresh.host.peerId)) served.push(request)
    })
    await fresh.host.dial(peer.host.getMultiaddrs()[0]!)
    await waitFor(async () => (fresh.network.peers().length > 0 ? true : undefined), 'connected')
    fresh.sync.trigger()
    await waitFor(async () => (fresh.chain.best.number === LENGTH ? true : undefined), 'the fresh node synced')
    assert.equal(fresh.chain.best.hashHex, source.best.hashHex)
    const types = served.map((r) => r.type)
    assert.ok(types.includes('headers'), 'headers were asked for')
    assert.ok(types.includes('bodies'), 'bodies were asked for')
    assert.ok(types.indexOf('headers') < types.indexOf('bodies'), `headers before bodies: ${types.join(',')}`)
    assert.ok(!types.includes('range'), 'no whole-block ranges')
    const bodies = served.filter((r) => r.type === 'bodies')
    assert.equal(
      bodies.reduce((sum, r) => sum + r.hashes.length, 0),
      LENGTH,
      'each body asked for once',
    )
  })

  it('behavior: a long catch-up gives the event loop turns between blocks, not only between requests', async () => {
    const peer = await freshNode('ahead-slow')
    for (let n = 1; n <= LENGTH; n++) peer.chain.importBlock(headerAt(n), source.extrinsicsOf(source.hashAt(n)!)!)
    const fresh = await freshNode('fresh-slow')
    const between = await heightsSeenDuringSlowCatchUp(fresh, peer.host)
    // Turns only between requests would show at most the bodies chunks' ends (64, 128, 192).
    assert.ok(between.length >= 20, `the timer ran at ${between.length} heights during the catch-up: ${between.join(',')}`)
  })

  it('behavior: a range catch-up from an older peer gives the event loop turns between blocks too', async () => {
    const old = await servingHost('old-slow', () => undefined, { legacy: true })
    const fresh = await freshNode('fresh-range-slow')
    const between = await heightsSeenDuringSlowCatchUp(fresh, old.host)
    assert.ok(
      old.requests.some((r) => r.type === 'range'),
      'the blocks came in range requests',
    )
    // Turns only between requests would show at most the ranges' ends (128).
    assert.ok(between.length >= 20, `the timer ran at ${between.length} heights during the catch-up: ${between.join(',')}`)
  })

  const sealTampered = (header: Header): Header => {
    const digest = header.digest.map((item) => {
      if (item.tag !== 'Seal') return item
      const signature = Uint8Array.from(item.value[1])
      signature[0] = signature[0]! ^ 0xff
      return { tag: 'Seal' as const, value: [item.value[0], signature] as [Uint8Array, Uint8Array] }
    })
    return { ...header, digest }
  }

  for (const [name, tamper] of [
    ['a bad seal', (n: number, header: Header) => (n === 1 ? sealTampered(header) : undefined)],
    ['a broken parent link', (n: number, header: Header) => (n === 4 ? { ...header, parentHash: new Uint8Array(32).fill(7) } : undefined)],
    ['a bad seal further in the batch', (n: number, header: Header) => (n === 3 ? sealTampered(header) : undefined)],
  ] as const) {
    it(`error: a peer serving a header with ${name} is penalised and no body is fetched from it before that header`, async () => {
      const evil = await servingHost(`evil-${name}`, tamper)
      const fresh = await freshNode(`victim-${name}`)
      const banned = new Promise<string>((resolve) => fresh.network.once('banned', (_peer, reason) => resolve(reason)))
      await fresh.host.dial(evil.host.getMultiaddrs()[0]!)
      await waitFor(async () => (fresh.network.peers().length > 0 ? true : undefined), 'connected')
      fresh.sync.trigger()
      const reason = await banned
      assert.ok(fresh.network.isBanned(evil.host.peerId))
      assert.match(reason, /header/)
      // A seal that may be a new authority set's (not the batch's first header) stops the batch before it: the
      // headers before it are synced (bodies fetched for them only), then it is first in a batch, checked exactly, refused.
      const before = name === 'a bad seal further in the batch' ? 2 : 0
      const asked = evil.requests.flatMap((r) => (r.type === 'bodies' ? r.hashes : []))
      assert.deepEqual(
        asked,
        Array.from({ length: before }, (_, i) => source.hashAt(i + 1)).map((h) => `0x${Buffer.from(h!).toString('hex')}`),
        'bodies of the headers before the tampered one only',
      )
      assert.ok(!evil.requests.some((r) => r.type === 'range'), 'no whole blocks fetched')
      assert.equal(fresh.chain.best.number, before)
    })
  }

  it('error: a peer serving a body that does not match its header is penalised; the blocks before it are imported', async () => {
    assert.ok(source.extrinsicsOf(source.hashAt(3)!)!.length > 0, 'blocks carry extrinsics (inherents)')
    const evil = await servingHost('bad-body', () => undefined, { emptyBodyOf: 3 })
    const fresh = await freshNode('bad-body-victim')
    const banned = new Promise<string>((resolve) => fresh.network.once('banned', (_peer, reason) => resolve(reason)))
    await fresh.host.dial(evil.host.getMultiaddrs()[0]!)
    await waitFor(async () => (fresh.network.peers().length > 0 ? true : undefined), 'connected')
    fresh.sync.trigger()
    assert.match(await banned, /body/)
    assert.equal(fresh.chain.best.number, 2)
    assert.equal(fresh.chain.blockByHash(source.hashAt(3)!), undefined)
  })

  it('behavior: an older peer without headers requests is synced in block ranges', async () => {
    const old = await servingHost('old', () => undefined, { legacy: true })
    const fresh = await freshNode('new-to-old')
    await fresh.host.dial(old.host.getMultiaddrs()[0]!)
    await waitFor(async () => (fresh.network.peers().length > 0 ? true : undefined), 'connected')
    fresh.sync.trigger()
    await waitFor(async () => (fresh.chain.best.number === LENGTH ? true : undefined), 'synced from the older peer')
    assert.ok(old.requests.some((r) => r.type === 'headers'))
    assert.ok(old.requests.some((r) => r.type === 'range'))
    assert.ok(!fresh.network.isBanned(old.host.peerId))
  })

  it('error: checkHeaders refuses a header out of number order and one without a seal; stops before an unknown sealer later in a batch', () => {
    const parent = source.genesis
    const authorities = source.authoritiesFor(parent)
    const good = [1, 2, 3].map(headerAt)
    assert.equal(checkHeaders(parent, undefined, authorities, good).checked.length, 3)
    assert.match(checkHeaders(parent, undefined, authorities, [good[1]!]).fault ?? '', /consecutive/)
    const unsealed = decodeHeader(good[0]!)
    assert.match(checkHeaders(parent, undefined, authorities, [encodeHeader({ ...unsealed, digest: unsealed.digest.slice(0, -1) })]).fault ?? '', /seal/)
    assert.match(checkHeaders(parent, undefined, authorities, [Uint8Array.of(1, 2, 3)]).fault ?? '', /undecodable/)
    const later = checkHeaders(parent, undefined, authorities, [good[0]!, encodeHeader(sealTampered(decodeHeader(good[1]!)))])
    assert.equal(later.fault, undefined)
    assert.equal(later.checked.length, 1)
  })
})
