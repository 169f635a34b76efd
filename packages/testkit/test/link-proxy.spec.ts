/**
 * LinkProxy on loopback: with jitter larger than the gap between chunks and random stalls, the bytes
 * still arrive whole and in order (a proxy that reorders corrupts every protocol above it), and a
 * half-close passes on only after the chunks ahead of it (none lost).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { describe, it } from 'node:test'
import { LinkProxy, seededRandom } from '../src/netns/index.js'

describe('LinkProxy', () => {
  it('behavior: under heavy jitter and stalls, a stream of small chunks arrives byte-identical and in order, half-close included', async () => {
    const received: Buffer[] = []
    const done = Promise.withResolvers<void>()
    const sink = createServer((s) => {
      s.on('data', (d: Buffer) => received.push(d))
      s.on('end', () => done.resolve())
    })
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()))
    const proxy = new LinkProxy({
      listenHost: '127.0.0.1',
      targetHost: '127.0.0.1',
      targetPort: (sink.address() as { port: number }).port,
      latencyMs: 20,
      jitterMs: 19,
      loss: 0.1,
      stallMs: 30,
      random: seededRandom(21),
    })
    await proxy.start()
    try {
      const sent: Buffer[] = []
      const client = connect(proxy.port, '127.0.0.1')
      await new Promise<void>((resolve) => client.once('connect', () => resolve()))
      for (let i = 0; i < 200; i++) {
        const chunk = randomBytes(1 + (i % 50))
        sent.push(chunk)
        client.write(chunk)
        // Separate chunks (not coalesced into one): each gets its own delay.
        if (i % 10 === 0) await new Promise((r) => setImmediate(r))
      }
      client.end()
      await done.promise
      assert.deepEqual(Buffer.concat(received), Buffer.concat(sent))
    } finally {
      await proxy.stop()
      sink.close()
    }
  })
})
