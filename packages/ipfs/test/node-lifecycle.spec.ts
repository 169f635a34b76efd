import assert from 'node:assert/strict'
import { pino } from 'pino'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { createLibp2pHost, type Libp2pHostError, Libp2pHostErrorCode, PEER_KEY_FILE } from '@crust-ts/p2p'
import { createIpfsNode, IpfsNodeError, IpfsNodeErrorCode, kuboAddOptions, type RepoError, RepoErrorCode } from '../src/index.js'
import { bytes, collect, tempDir } from './fixtures/content.js'

const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
const text = (s: string) => new TextEncoder().encode(s)

describe('node: lifecycle, peer key, repo lock, shared host', () => {
  it('behavior: the peer key is created with mode 0600 on first start and reused on restart', async () => {
    const dir = tempDir('key')
    try {
      const repoPath = path.join(dir.path, 'repo')
      const first = await createIpfsNode({ repoPath, swarm: LOOPBACK })
      const peerId = first.libp2p.peerId.toString()
      await first.stop()
      const keyFile = path.join(repoPath, PEER_KEY_FILE)
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600)
      const second = await createIpfsNode({ repoPath, swarm: LOOPBACK })
      assert.equal(second.libp2p.peerId.toString(), peerId)
      await second.stop()
    } finally {
      dir.remove()
    }
  })

  it('error: a corrupt peer key file is refused with IPFS_ERROR_PEER_KEY_INVALID', async () => {
    const dir = tempDir('badkey')
    try {
      const repoPath = path.join(dir.path, 'repo')
      fs.mkdirSync(repoPath, { recursive: true })
      fs.writeFileSync(path.join(repoPath, PEER_KEY_FILE), 'not a key', { mode: 0o600 })
      await assert.rejects(createIpfsNode({ repoPath, swarm: LOOPBACK }), (err: Libp2pHostError) => {
        assert.equal(err.code, Libp2pHostErrorCode.PEER_KEY_INVALID)
        return true
      })
      // the failed start released the repo: a good key makes it usable
      fs.rmSync(path.join(repoPath, PEER_KEY_FILE))
      await (await createIpfsNode({ repoPath, swarm: LOOPBACK })).stop()
    } finally {
      dir.remove()
    }
  })

  it('error: a repo in use cannot be opened by a second node', async () => {
    const dir = tempDir('locked')
    try {
      const repoPath = path.join(dir.path, 'repo')
      const node = await createIpfsNode({ repoPath, swarm: LOOPBACK })
      await assert.rejects(createIpfsNode({ repoPath, swarm: LOOPBACK }), (err: RepoError) => err.code === RepoErrorCode.LOCKED)
      await node.stop()
      await (await createIpfsNode({ repoPath, swarm: LOOPBACK })).stop()
    } finally {
      dir.remove()
    }
  })

  it('behavior: stop then start again reopens the repo with its content', async () => {
    const dir = tempDir('restart')
    try {
      const node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: LOOPBACK })
      const cid = await node.fs.addBytes(text('kept across restarts\n'), kuboAddOptions())
      await node.stop()
      await node.start()
      assert.deepEqual(await collect(node.fs.cat(cid, { offline: true })), bytes(text('kept across restarts\n')))
      await node.stop()
    } finally {
      dir.remove()
    }
  })

  it('behavior: a node on a shared host uses its peer id and leaves it running when stopped', async () => {
    const dir = tempDir('shared')
    const host = await createLibp2pHost({ peerKeyPath: path.join(dir.path, 'node.key'), listen: LOOPBACK })
    try {
      // another part of the node (the chain, later) speaks its own protocol on the same host
      await host.handle('/crust-test/blocks/1.0.0', async (stream) => {
        await stream.close()
      })
      const node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), libp2p: host })
      assert.equal(node.libp2p, host)
      assert.equal(host.status, 'started')
      const protocols = host.getProtocols()
      assert.ok(protocols.includes('/crust-test/blocks/1.0.0'))
      assert.ok(
        protocols.some((p) => p.startsWith('/ipfs/bitswap/')),
        protocols.join(' '),
      )
      assert.equal(fs.existsSync(path.join(dir.path, 'repo', PEER_KEY_FILE)), false, 'the host brings its own key')

      const other = await createIpfsNode({ repoPath: path.join(dir.path, 'other'), swarm: LOOPBACK })
      const cid = await node.fs.addBytes(text('served from a shared host\n'), kuboAddOptions())
      await other.libp2p.dial(host.getMultiaddrs()[0]!)
      assert.deepEqual(await collect(other.fs.cat(cid)), bytes(text('served from a shared host\n')))
      assert.ok(other.retrieval.get(host.peerId.toString())!.successes >= 1)
      await other.stop()

      await node.stop()
      assert.equal(host.status, 'started', 'the host belongs to its creator')
    } finally {
      await host.stop()
      dir.remove()
    }
  })

  it('behavior: lifecycle events go to the injected logger', async () => {
    const dir = tempDir('logger')
    try {
      const lines: Array<Record<string, unknown>> = []
      const root = pino({ level: 'debug', base: null }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) })
      const logger = { forComponent: (name: string) => root.child({ component: name }) }
      const node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: LOOPBACK, logger })
      await node.gc()
      await node.stop()
      const started = lines.find((l) => l['msg'] === 'ipfs node started')
      assert.equal(started?.['level'], 30)
      assert.equal(started?.['component'], 'ipfs:node')
      assert.equal(started?.['peerId'], node.libp2p.peerId.toString())
      assert.ok(lines.some((l) => l['msg'] === 'garbage collection done'))
      assert.ok(lines.some((l) => l['msg'] === 'ipfs node stopped'))
    } finally {
      dir.remove()
    }
  })

  it('error: invalid options are refused before anything is opened', async () => {
    await assert.rejects(createIpfsNode({ repoPath: '' }), (err: IpfsNodeError) => {
      assert.ok(err instanceof IpfsNodeError)
      assert.equal(err.code, IpfsNodeErrorCode.INVALID_OPTIONS)
      return true
    })
    const dir = tempDir('badopts')
    try {
      await assert.rejects(createIpfsNode({ repoPath: dir.path, fetchTimeoutMs: -1 }), (err: IpfsNodeError) => err.code === IpfsNodeErrorCode.INVALID_OPTIONS)
    } finally {
      dir.remove()
    }
  })
})
