/**
 * State sync over the sync protocol: the `state` request's wire bounds, the answer's checks, and
 * real chains behind real libp2p hosts on loopback (one process): a fresh pruned node downloads a
 * peer's state in bounded chunks, installs it with the header chain and imports the blocks after
 * it; a peer serving a tampered state is banned and nothing is installed; a peer serving keys out
 * of order is penalised; a state the server does not have (pruned, unknown) is refused cleanly; the
 * downloaded trie waits on disk (a temporary file) until installed, and progress is logged; a liar
 * among several peers that served parts of a state is found by downloading it again from one peer
 * alone and banned, the honest peers not.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Chain, ImportedBlock } from '@crust-ts/chain'
import { type Logger, silentLogger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import * as lp from 'it-length-prefixed'
import {
  type ChainNetwork,
  type ConsensusHost,
  ConsensusError,
  ConsensusErrorCode,
  downloadState,
  StateDownloadCarry,
  encodeStatePair,
  MAX_MESSAGE_BYTES,
  MAX_STATE_KEY_BYTES,
  MAX_STATE_PAIRS_PER_RESPONSE,
  MAX_STATE_RESPONSE_BYTES,
  Penalty,
  MIN_STATE_TRANSFER_BYTES_PER_SECOND,
  parseStateAnswer,
  REQUEST_TIMEOUT_MS,
  responseLimits,
  StateAnswer,
  stateRequestTimeoutMs,
  syncProtocol,
} from '../src/index.js'
import { parseRequest, plainBytes, type SyncRequest } from '../src/wire.js'
import { LocalChains } from './fixtures/local-chains.js'

const LENGTH = 120
const FINAL = 100
const hash = `0x${'ab'.repeat(32)}`
const bytes = (...b: number[]) => Uint8Array.from(b)

describe('state request: wire bounds', () => {
  it('errors: a state request parses with and without startAfter; a key too long, an odd hex key or a fractional max are refused', () => {
    assert.deepEqual(parseRequest(new TextEncoder().encode(JSON.stringify({ type: 'state', hash, max: 10 }))), { type: 'state', hash, max: 10 })
    const withKey = { type: 'state', hash, startAfter: '0x0102', max: 10 }
    assert.deepEqual(parseRequest(new TextEncoder().encode(JSON.stringify(withKey))), withKey)
    const refused = (r: unknown) =>
      assert.throws(
        () => parseRequest(new TextEncoder().encode(JSON.stringify(r))),
        (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE,
      )
    refused({ type: 'state', hash, startAfter: `0x${'00'.repeat(MAX_STATE_KEY_BYTES + 1)}`, max: 10 })
    refused({ type: 'state', hash, startAfter: '0x012', max: 10 })
    refused({ type: 'state', hash, startAfter: '0x', max: 10 })
    refused({ type: 'state', hash, max: 1.5 })
    refused({ type: 'state', hash: '0x12', max: 1 })
  })

  it('behavior: a state response may hold the answer byte and at most MAX_STATE_PAIRS_PER_RESPONSE pairs within the byte budget plus one pair', () => {
    const limits = responseLimits({ type: 'state', hash, max: 1_000_000 })
    assert.deepEqual(limits, {
      frames: 1 + MAX_STATE_PAIRS_PER_RESPONSE,
      frameBytes: MAX_MESSAGE_BYTES,
      bytes: 1 + MAX_STATE_RESPONSE_BYTES + MAX_MESSAGE_BYTES,
    })
    assert.equal(responseLimits({ type: 'state', hash, max: 3 }).frames, 4)
  })

  it('behavior: a state request may take the base request time plus its byte budget at the slowest rate a working peer is granted', () => {
    const timeout = stateRequestTimeoutMs({ type: 'state', hash, max: MAX_STATE_PAIRS_PER_RESPONSE })
    const transferMs = (responseLimits({ type: 'state', hash, max: MAX_STATE_PAIRS_PER_RESPONSE }).bytes / MIN_STATE_TRANSFER_BYTES_PER_SECOND) * 1000
    assert.equal(timeout, REQUEST_TIMEOUT_MS + Math.ceil(transferMs))
    assert.ok(timeout > REQUEST_TIMEOUT_MS + 30_000, 'a full 4 MiB chunk at 128 KiB/s takes over 30 s: granted')
  })

  it('errors: an answer without its answer byte, with pairs after "unavailable", an empty chunk claiming more, or keys not ascending after startAfter is a BAD_MESSAGE', () => {
    const bad = (frames: Uint8Array[], startAfter?: Uint8Array) =>
      assert.throws(
        () => parseStateAnswer(frames, startAfter),
        (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE,
      )
    const pair = (k: number) => encodeStatePair(bytes(k), bytes(9))
    bad([])
    bad([bytes(StateAnswer.UNAVAILABLE), pair(1)])
    bad([bytes(StateAnswer.MORE)])
    bad([bytes(7), pair(1)])
    bad([bytes(StateAnswer.COMPLETE), pair(2), pair(2)])
    bad([bytes(StateAnswer.COMPLETE), pair(3), pair(2)])
    bad([bytes(StateAnswer.MORE), pair(2)], bytes(2))
    bad([bytes(StateAnswer.MORE), encodeStatePair(new Uint8Array(), bytes(1))])
    assert.equal(parseStateAnswer([bytes(StateAnswer.UNAVAILABLE)], undefined), undefined)
    const ok = parseStateAnswer([bytes(StateAnswer.COMPLETE), pair(3), pair(4)], bytes(2))!
    assert.equal(ok.complete, true)
    assert.deepEqual(
      ok.pairs.map(([k]) => k[0]),
      [3, 4],
    )
  })
})

describe('state download between real hosts', () => {
  let local: LocalChains
  let source: Chain
  let sourceHost: ConsensusHost
  const blocks: ImportedBlock[] = []

  before(async () => {
    local = await LocalChains.create('crust-state-sync-', { blockTimeMs: 1000 })
    source = local.chain('source')
    for (let slot = 1; slot <= LENGTH; slot++) blocks.push(local.produce(source, slot))
    source.finalize(blocks[FINAL - 1]!.block.hash)
    sourceHost = await local.host('source')
    await local.network(sourceHost, source)
  })

  after(async () => {
    await local.close()
  })

  async function freshNode(name: string) {
    const chain = local.chain(name, 'pruned')
    const host = await local.host(name)
    const network = await local.network(host, chain)
    return { chain, host, network }
  }

  const target = (n: number) => {
    const b = blocks[n - 1]!.block
    return { hash: b.hash, number: b.number, stateRoot: b.header.stateRoot }
  }

  /** Penalties `network` gives, recorded. */
  function penalties(network: ChainNetwork): Array<{ peer: string; reason: string; cost: number }> {
    const out: Array<{ peer: string; reason: string; cost: number }> = []
    network.on('penalised', (peer, reason, cost) => out.push({ peer: peer.toString(), reason, cost }))
    return out
  }

  /** The sync request a stream carries (its first frame). */
  async function readRequest(stream: Parameters<Parameters<ConsensusHost['handle']>[1]>[0]): Promise<SyncRequest> {
    const frames: Uint8Array[] = []
    for await (const frame of lp.decode(stream, { maxDataLength: 1 << 16 })) frames.push(plainBytes(frame.subarray()))
    return parseRequest(frames[0]!) as SyncRequest
  }

  /**
   * A host answering `state` requests from `source`'s state with the pairs `tamper` returns (it gets
   * the chunk's pairs); other requests get nothing.
   */
  async function servingHost(name: string, tamper: (pairs: Array<[Uint8Array, Uint8Array]>) => Array<[Uint8Array, Uint8Array]>) {
    const host: ConsensusHost = await local.host(name)
    await host.handle(syncProtocol(source.genesis.hashHex), async (stream) => {
      try {
        const request = await readRequest(stream)
        if (request.type === 'state') {
          const block = source.blockByHash(hexToU8a(request.hash))!
          const chunk = source.stateChunk(block, request.startAfter === undefined ? undefined : hexToU8a(request.startAfter), {
            pairs: request.max,
            bytes: 1 << 20,
          })
          const out = [Uint8Array.of(chunk.complete ? StateAnswer.COMPLETE : StateAnswer.MORE), ...tamper(chunk.pairs).map(([k, v]) => encodeStatePair(k, v))]
          for (const frame of out) if (!stream.send(lp.encode.single(frame))) await stream.onDrain()
        }
        await stream.close()
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })
    return host
  }

  /** What a {@link flakyHost} does with its `index`th state request (from 0): answer it, answer it falsely, reset the stream, or never answer. */
  type Behaviour = 'serve' | 'lie' | 'reset' | 'stall'

  /** A state chunk as a host answers it. */
  type Chunk = { pairs: Array<[Uint8Array, Uint8Array]>; complete: boolean }

  /**
   * A host serving `source`'s state in chunks of the size asked, doing with each state request what
   * `behave` says (a `'lie'` answers what `lie` makes of the true chunk); `asked` records the first
   * key each request asked after ('' for the first chunk).
   */
  async function flakyHost(name: string, behave: (index: number) => Behaviour, lie: (chunk: Chunk) => Chunk = (chunk) => chunk) {
    const asked: string[] = []
    const host: ConsensusHost = await local.host(name)
    await host.handle(syncProtocol(source.genesis.hashHex), async (stream) => {
      try {
        const request = await readRequest(stream)
        if (request.type !== 'state') return void (await stream.close())
        const behaviour = behave(asked.length)
        asked.push(request.startAfter ?? '')
        if (behaviour === 'reset') return stream.abort(new Error('flaky peer'))
        // A stalled answer: nothing is sent and the stream stays open until the asker gives up.
        if (behaviour === 'stall') return
        const block = source.blockByHash(hexToU8a(request.hash))!
        const startAfter = request.startAfter === undefined ? undefined : hexToU8a(request.startAfter)
        const truth = source.stateChunk(block, startAfter, { pairs: request.max, bytes: 1 << 20 })
        const chunk = behaviour === 'lie' ? lie(truth) : truth
        const out = [Uint8Array.of(chunk.complete ? StateAnswer.COMPLETE : StateAnswer.MORE), ...chunk.pairs.map(([k, v]) => encodeStatePair(k, v))]
        for (const frame of out) if (!stream.send(lp.encode.single(frame))) await stream.onDrain()
        await stream.close()
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })
    return { host, asked }
  }

  /** How many times each first key was asked for. */
  const askCounts = (asked: string[]) => {
    const counts = new Map<string, number>()
    for (const key of asked) counts.set(key, (counts.get(key) ?? 0) + 1)
    return counts
  }

  const peerOf = async (node: { host: ConsensusHost }, host: ConsensusHost): Promise<PeerId> => {
    await node.host.dial(host.getMultiaddrs()[0]!)
    return host.peerId
  }

  it('behavior: a fresh pruned node downloads a finalized state in chunks of 16 pairs, installs it with the headers and imports the blocks after it', async () => {
    const node = await freshNode('fresh')
    const peer = await peerOf(node, sourceHost)
    const log = silentLogger.forComponent('test')
    const state = await downloadState({ network: node.network, log }, peer, target(FINAL), { pairsPerRequest: 16 })
    assert.ok(state !== undefined)
    assert.equal(u8aToHex(state.root), u8aToHex(target(FINAL).stateRoot))
    assert.ok(state.pairs > 64, `a state of ${state.pairs} pairs`)
    assert.equal(state.requests, Math.ceil(state.pairs / 16), 'one request per 16 pairs')
    const headers = await node.network.requestHeaders(peer, 1, FINAL)
    node.chain.importSyncedState(headers.slice(0, FINAL), state)
    assert.equal(node.chain.finalized.number, FINAL)
    for (const b of blocks.slice(FINAL)) local.copy(source, node.chain, b)
    assert.equal(node.chain.best.hashHex, source.best.hashHex)
    // The synced node serves the states it has and refuses those it does not (genesis: below its sync point).
    const other = await freshNode('other')
    const synced = await peerOf(other, node.host)
    const genesis = { hash: source.genesis.hash, number: 0, stateRoot: source.genesis.header.stateRoot }
    assert.equal(await downloadState({ network: other.network, log }, synced, genesis), undefined)
    const served = await downloadState({ network: other.network, log }, synced, target(LENGTH))
    assert.equal(u8aToHex(served!.root), u8aToHex(target(LENGTH).stateRoot))
  })

  it('errors: a peer serving a tampered state is banned and nothing is installed; keys out of order cost a protocol penalty', async () => {
    const node = await freshNode('victim')
    const seen = penalties(node.network)
    const liar = await servingHost('liar', (pairs) => pairs.map(([k, v], i) => (i === 3 ? [k, Uint8Array.of(...v, 1)] : [k, v])))
    await assert.rejects(
      downloadState({ network: node.network, log: silentLogger.forComponent('test') }, await peerOf(node, liar), target(FINAL), { pairsPerRequest: 16 }),
      (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_STATE,
    )
    assert.ok(node.network.isBanned(liar.peerId))
    assert.equal(seen.at(-1)?.cost, Penalty.INVALID)
    assert.equal(node.chain.best.number, 0)

    const shuffler = await servingHost('shuffler', (pairs) => pairs.slice().reverse())
    await assert.rejects(
      downloadState({ network: node.network, log: silentLogger.forComponent('test') }, await peerOf(node, shuffler), target(FINAL)),
      (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_MESSAGE,
    )
    assert.equal(seen.at(-1)?.cost, Penalty.PROTOCOL)
    assert.equal(node.chain.best.number, 0)
  })

  it('behavior: the download holds the state on disk, not in memory: its trie nodes wait in a temporary folder under spillDir until installed (removed by dispose, and when the state is refused); progress lines give pairs and bytes so far', async () => {
    const node = await freshNode('spiller')
    const peer = await peerOf(node, sourceHost)
    const spillDir = mkdtempSync(join(tmpdir(), 'crust-state-spill-'))
    const lines: Array<Record<string, unknown>> = []
    const log = { info: (fields: object, msg: string) => lines.push({ ...fields, msg }), debug: () => {}, warn: () => {} } as unknown as Logger
    try {
      const state = await downloadState({ network: node.network, log }, peer, target(FINAL), { pairsPerRequest: 16, spillDir, progressIntervalMs: 0 })
      assert.ok(state !== undefined)
      assert.equal(readdirSync(spillDir).length, 1, 'the nodes wait in one temporary folder')
      const progress = lines.filter((l) => l.msg === 'downloading state')
      assert.equal(progress.length, state.requests, 'a line per request at interval 0')
      assert.deepEqual(
        progress.map((l) => l.pairs),
        progress.map((_, i) => Math.min(16 * (i + 1), state.pairs)),
      )
      assert.equal(progress.at(-1)!.bytes, state.bytes)
      node.chain.importSyncedState((await node.network.requestHeaders(peer, 1, FINAL)).slice(0, FINAL), state)
      state.dispose()
      assert.deepEqual(readdirSync(spillDir), [])
      assert.equal(node.chain.finalized.number, FINAL)

      const liar = await servingHost('spill-liar', (pairs) => pairs.map(([k, v], i) => (i === 0 ? [k, Uint8Array.of(...v, 1)] : [k, v])))
      const victim = await freshNode('spill-victim')
      await assert.rejects(
        downloadState({ network: victim.network, log }, await peerOf(victim, liar), target(FINAL), { spillDir }),
        (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_STATE,
      )
      assert.deepEqual(readdirSync(spillDir), [], 'a refused state leaves nothing on disk')
    } finally {
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  it('behavior: a failed and a stalled chunk request are asked again from the last key received; the download completes with the state root, each key range asked at most twice', async () => {
    const node = await freshNode('retrier')
    // The 3rd state request is reset and the 6th never answered, each once.
    const flaky = await flakyHost('flaky', (index) => (index === 2 ? 'reset' : index === 5 ? 'stall' : 'serve'))
    const log = silentLogger.forComponent('test')
    const state = await downloadState({ network: node.network, log }, await peerOf(node, flaky.host), target(FINAL), {
      pairsPerRequest: 16,
      retryBackoffMs: 10,
      requestTimeoutMs: 500,
    })
    assert.ok(state !== undefined)
    assert.equal(u8aToHex(state.root), u8aToHex(target(FINAL).stateRoot))
    const chunks = Math.ceil(state.pairs / 16)
    assert.equal(state.requests, chunks + 2, 'one request per chunk, and one more for each of the two failures')
    assert.equal(state.retries, 2)
    const counts = askCounts(flaky.asked)
    assert.equal(counts.size, chunks, 'every chunk asked for from its own key')
    assert.ok(
      [...counts.values()].every((n) => n <= 2),
      'no key range asked more than twice',
    )
    assert.equal(flaky.asked[3], flaky.asked[2], 'the reset chunk is asked again from the same key')
    assert.equal(flaky.asked[6], flaky.asked[5], 'the stalled chunk is asked again from the same key')
    assert.equal(flaky.asked.filter((k) => k === '').length, 1, 'the download never starts over from the first key')
    node.chain.importSyncedState((await node.network.requestHeaders(await peerOf(node, sourceHost), 1, FINAL)).slice(0, FINAL), state)
    state.dispose()
    assert.equal(node.chain.finalized.number, FINAL)
  })

  it('behavior: a peer whose requests keep failing is left after its attempts for another, which continues from the last key received', async () => {
    const node = await freshNode('switcher')
    const dying = await flakyHost('dying', (index) => (index < 2 ? 'serve' : 'reset'))
    const backup = await flakyHost('backup', () => 'serve')
    const lines: string[] = []
    const log = { info: () => {}, debug: () => {}, warn: (_fields: object, msg: string) => lines.push(msg) } as unknown as Logger
    const state = await downloadState({ network: node.network, log }, await peerOf(node, dying.host), target(FINAL), {
      pairsPerRequest: 16,
      retryBackoffMs: 10,
      attemptsPerPeer: 3,
      otherPeers: [await peerOf(node, backup.host)],
    })
    assert.ok(state !== undefined)
    assert.equal(u8aToHex(state.root), u8aToHex(target(FINAL).stateRoot))
    assert.equal(dying.asked.length, 2 + 3, 'two chunks served, then three failed attempts at the third')
    assert.equal(backup.asked[0], dying.asked[2], 'the other peer continues from the key the first failed at')
    assert.equal(backup.asked.length, Math.ceil(state.pairs / 16) - 2)
    assert.ok(lines.some((m) => m.includes('continues with another peer')))
    state.dispose()
  })

  /** A lie: the chunk with its first pair's value changed. */
  const falseValue = (chunk: Chunk): Chunk => ({ ...chunk, pairs: chunk.pairs.map(([k, v], i) => (i === 0 ? [k, Uint8Array.of(...v, 1)] : [k, v])) })

  /** A logger recording its warn lines' messages in `lines`. */
  const warnings = (lines: string[]) => ({ info: () => {}, debug: () => {}, warn: (_fields: object, msg: string) => lines.push(msg) }) as unknown as Logger

  it('errors: a peer that serves false pairs and then stalls, leaving an honest peer to finish, is banned: the state is downloaded again from one peer alone, whose matching state is kept, and the honest peer is not penalised', async () => {
    const node = await freshNode('mixed-victim')
    const seen = penalties(node.network)
    const liar = await flakyHost('stalling-liar', (index) => (index < 2 ? 'lie' : 'stall'), falseValue)
    const honest = await flakyHost('finisher', () => 'serve')
    const lines: string[] = []
    const state = await downloadState({ network: node.network, log: warnings(lines) }, await peerOf(node, liar.host), target(FINAL), {
      pairsPerRequest: 16,
      retryBackoffMs: 10,
      attemptsPerPeer: 2,
      requestTimeoutMs: 500,
      otherPeers: [await peerOf(node, honest.host)],
    })
    assert.ok(state !== undefined, 'the state downloaded again is kept')
    assert.equal(u8aToHex(state.root), u8aToHex(target(FINAL).stateRoot))
    assert.ok(node.network.isBanned(liar.host.peerId), 'the liar is banned')
    assert.ok(seen.some((p) => p.peer === liar.host.peerId.toString() && p.cost === Penalty.INVALID && p.reason.includes('false part of the state')))
    assert.deepEqual(
      seen.filter((p) => p.peer === honest.host.peerId.toString()),
      [],
      'the honest peer is not penalised',
    )
    assert.equal(honest.asked[0], liar.asked[2], 'the honest peer took over where the liar stalled')
    assert.deepEqual(liar.asked.slice(4), ['', ''], 'the liar, first to have served, was asked for the whole state again alone (and stalled)')
    assert.equal(honest.asked.filter((k) => k === '').length, 1, 'the honest peer then served the whole state alone, once')
    assert.ok(lines.some((m) => m.includes('the peers whose parts differ from it are banned')))
    state.dispose()
  })

  it("errors: a peer that finishes a download with false pairs after an honest peer failed is banned, whatever its lie (a pair beyond the state's end, the state claimed complete early); the honest peer is not penalised", async () => {
    const lies: Array<[string, (chunk: Chunk) => Chunk]> = [
      ['beyond-end', (chunk) => (chunk.complete ? { pairs: [...chunk.pairs, [new Uint8Array(64).fill(0xff), Uint8Array.of(1)]], complete: true } : chunk)],
      ['early-end', (chunk) => ({ pairs: chunk.pairs, complete: true })],
    ]
    for (const [name, lie] of lies) {
      const node = await freshNode(`late-victim-${name}`)
      const seen = penalties(node.network)
      // The honest peer serves two chunks, fails its two attempts at the third, then serves again.
      const honest = await flakyHost(`starter-${name}`, (index) => (index === 2 || index === 3 ? 'reset' : 'serve'))
      const liar = await flakyHost(`late-liar-${name}`, () => 'lie', lie)
      const state = await downloadState({ network: node.network, log: silentLogger.forComponent('test') }, await peerOf(node, honest.host), target(FINAL), {
        pairsPerRequest: 16,
        retryBackoffMs: 10,
        attemptsPerPeer: 2,
        otherPeers: [await peerOf(node, liar.host)],
      })
      assert.ok(state !== undefined, `${name}: the state downloaded again from the honest peer is kept`)
      assert.equal(u8aToHex(state.root), u8aToHex(target(FINAL).stateRoot))
      assert.equal(liar.asked[0], honest.asked[2], `${name}: the liar took over where the honest peer failed`)
      assert.equal(honest.asked.filter((k) => k === '').length, 2, `${name}: the honest peer, first to have served, served the whole state again alone`)
      assert.ok(node.network.isBanned(liar.host.peerId), `${name}: the liar is banned`)
      assert.ok(!node.network.isBanned(honest.host.peerId))
      assert.deepEqual(
        seen.filter((p) => p.peer === honest.host.peerId.toString()),
        [],
        `${name}: the honest peer is not penalised`,
      )
      state.dispose()
    }
  })

  it('errors: when both peers of a mixed download lie and the one that serves it again alone lies again, that one is banned, the download fails with BAD_STATE and leaves nothing on disk', async () => {
    const node = await freshNode('double-victim')
    const first = await flakyHost('first-liar', (index) => (index < 2 ? 'lie' : 'reset'), falseValue)
    const second = await flakyHost('second-liar', () => 'lie', falseValue)
    const spillDir = mkdtempSync(join(tmpdir(), 'crust-state-spill-'))
    try {
      await assert.rejects(
        downloadState({ network: node.network, log: silentLogger.forComponent('test') }, await peerOf(node, first.host), target(FINAL), {
          pairsPerRequest: 16,
          retryBackoffMs: 10,
          attemptsPerPeer: 1,
          spillDir,
          otherPeers: [await peerOf(node, second.host)],
        }),
        (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_STATE,
      )
      assert.equal(second.asked.filter((k) => k === '').length, 1, 'the second served the whole state again alone (the first failed to)')
      assert.ok(node.network.isBanned(second.host.peerId), 'its lone state does not match: banned')
      assert.ok(!node.network.isBanned(first.host.peerId), 'no evidence against the first: it never served the state alone')
      assert.deepEqual(readdirSync(spillDir), [], 'neither refused state is left on disk')
      assert.equal(node.chain.best.number, 0)
    } finally {
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  it('errors: when every peer keeps failing, the download ends with SYNC_FAILED after the bounded attempts and leaves nothing on disk', async () => {
    const node = await freshNode('given-up')
    const dead = await flakyHost('dead', (index) => (index < 1 ? 'serve' : 'reset'))
    const spillDir = mkdtempSync(join(tmpdir(), 'crust-state-spill-'))
    try {
      await assert.rejects(
        downloadState({ network: node.network, log: silentLogger.forComponent('test') }, await peerOf(node, dead.host), target(FINAL), {
          pairsPerRequest: 16,
          retryBackoffMs: 10,
          attemptsPerPeer: 2,
          spillDir,
        }),
        (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.SYNC_FAILED,
      )
      assert.equal(dead.asked.length, 1 + 2)
      assert.deepEqual(readdirSync(spillDir), [])
    } finally {
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  it('behavior: a download every peer failed mid-way waits in the carry; the next call at the same block continues it from the last key received, never from the first, and its state matches the root', async () => {
    const node = await freshNode('carried')
    const dying = await flakyHost('dying-carry', (index) => (index < 3 ? 'serve' : 'reset'))
    const healthy = await flakyHost('healthy-carry', () => 'serve')
    const spillDir = mkdtempSync(join(tmpdir(), 'crust-state-spill-'))
    const carry = new StateDownloadCarry()
    const options = { pairsPerRequest: 16, retryBackoffMs: 10, attemptsPerPeer: 2, spillDir, carry }
    const log = silentLogger.forComponent('test')
    try {
      await assert.rejects(
        downloadState({ network: node.network, log }, await peerOf(node, dying.host), target(FINAL), options),
        (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.SYNC_FAILED,
      )
      assert.equal(dying.asked.length, 3 + 2, 'three chunks served, then two failed attempts at the fourth')
      assert.equal(carry.target?.number, FINAL)
      assert.equal(carry.received?.pairs, 3 * 16)
      assert.equal(readdirSync(spillDir).length, 1, 'the download so far stays on disk for the next round')

      const state = await downloadState({ network: node.network, log }, await peerOf(node, healthy.host), target(FINAL), options)
      assert.ok(state !== undefined)
      assert.equal(u8aToHex(state.root), u8aToHex(target(FINAL).stateRoot))
      assert.equal(healthy.asked[0], dying.asked[3], 'the next round asks after the last key received')
      assert.ok(!healthy.asked.includes(''), 'it never starts over from the first key')
      const whole = source.stateChunk(blocks[FINAL - 1]!.block, undefined, { pairs: 1 << 20, bytes: 1 << 30 })
      assert.ok(whole.complete)
      assert.equal(state.pairs, whole.pairs.length, 'the carried pairs and the rest make the whole state')
      assert.equal(healthy.asked.length, Math.ceil(state.pairs / 16) - 3, 'only the chunks not received yet are asked for')
      assert.equal(carry.target, undefined, 'the finished download is the caller’s, no longer the carry’s')
      state.dispose()
      assert.deepEqual(readdirSync(spillDir), [])
    } finally {
      carry.dispose()
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  it('behavior: a carried download is dropped by a download at another block (never mixed into it) and by dispose; both leave nothing on disk', async () => {
    const node = await freshNode('carry-dropped')
    const dying = await flakyHost('dying-drop', (index) => (index < 2 || (index >= 4 && index < 6) ? 'serve' : 'reset'))
    const healthy = await flakyHost('healthy-drop', () => 'serve')
    const spillDir = mkdtempSync(join(tmpdir(), 'crust-state-spill-'))
    const carry = new StateDownloadCarry()
    const options = { pairsPerRequest: 16, retryBackoffMs: 10, attemptsPerPeer: 2, spillDir, carry }
    const log = silentLogger.forComponent('test')
    const interrupted = (err: unknown) => err instanceof ConsensusError && err.code === ConsensusErrorCode.SYNC_FAILED
    try {
      await assert.rejects(downloadState({ network: node.network, log }, await peerOf(node, dying.host), target(FINAL), options), interrupted)
      assert.equal(carry.target?.number, FINAL)
      const other = await downloadState({ network: node.network, log }, await peerOf(node, healthy.host), target(FINAL - 1), options)
      assert.ok(other !== undefined)
      assert.equal(u8aToHex(other.root), u8aToHex(target(FINAL - 1).stateRoot))
      assert.equal(healthy.asked[0], '', 'the download at another block starts from the first key')
      other.dispose()
      assert.deepEqual(readdirSync(spillDir), [], 'the download carried for the other block is removed')

      await assert.rejects(downloadState({ network: node.network, log }, await peerOf(node, dying.host), target(FINAL), options), interrupted)
      assert.equal(readdirSync(spillDir).length, 1)
      carry.dispose()
      assert.equal(carry.target, undefined)
      assert.deepEqual(readdirSync(spillDir), [])
    } finally {
      carry.dispose()
      rmSync(spillDir, { recursive: true, force: true })
    }
  })

  it('errors: a state the peer does not have (unknown block) is refused cleanly: no penalty', async () => {
    const node = await freshNode('asker')
    const seen = penalties(node.network)
    const missing = { hash: hexToU8a(hash), number: 5, stateRoot: new Uint8Array(32) }
    assert.equal(await downloadState({ network: node.network, log: silentLogger.forComponent('test') }, await peerOf(node, sourceHost), missing), undefined)
    assert.deepEqual(seen, [])
  })
})
