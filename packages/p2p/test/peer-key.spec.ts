import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import {
  createLibp2pHost,
  type Libp2pHostError,
  Libp2pHostErrorCode,
  loadOrCreatePeerKey,
  PEER_KEY_FILE,
  PEER_KEY_MODE,
  peerIdOfKeyFile,
} from '../src/index.js'

function tempDir(): { path: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-p2p-'))
  return { path: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

describe('p2p: peer key', () => {
  it('behavior: the key file is created with mode 0600 (folders too) and the same key is read back', async () => {
    const dir = tempDir()
    try {
      const file = path.join(dir.path, 'nested', PEER_KEY_FILE)
      const key = await loadOrCreatePeerKey(file)
      assert.equal(key.type, 'Ed25519')
      assert.equal(fs.statSync(file).mode & 0o777, PEER_KEY_MODE)
      const again = await loadOrCreatePeerKey(file)
      assert.deepEqual(privateKeyToProtobuf(again), privateKeyToProtobuf(key))
      assert.deepEqual(fs.readdirSync(path.dirname(file)), [PEER_KEY_FILE], 'no temporary file left')
    } finally {
      dir.remove()
    }
  })

  it('behavior: the peer id read before a start is the one the host then has', async () => {
    const dir = tempDir()
    try {
      const file = path.join(dir.path, 'repo', PEER_KEY_FILE)
      const before = await peerIdOfKeyFile(file)
      const host = await createLibp2pHost({ peerKeyPath: file, listen: [] })
      assert.equal(host.peerId.toString(), before)
    } finally {
      dir.remove()
    }
  })

  it('behavior: a key file readable by others is narrowed to 0600', async () => {
    const dir = tempDir()
    try {
      const file = path.join(dir.path, PEER_KEY_FILE)
      await loadOrCreatePeerKey(file)
      fs.chmodSync(file, 0o644)
      await loadOrCreatePeerKey(file)
      assert.equal(fs.statSync(file).mode & 0o777, PEER_KEY_MODE)
    } finally {
      dir.remove()
    }
  })

  it('error: a corrupt key file is IPFS_ERROR_PEER_KEY_INVALID with its path', async () => {
    const dir = tempDir()
    try {
      const file = path.join(dir.path, PEER_KEY_FILE)
      fs.writeFileSync(file, 'not a key', { mode: 0o600 })
      await assert.rejects(loadOrCreatePeerKey(file), (err: Libp2pHostError) => {
        assert.equal(err.code, Libp2pHostErrorCode.PEER_KEY_INVALID)
        assert.deepEqual(err.type, { code: Libp2pHostErrorCode.PEER_KEY_INVALID, path: file })
        return true
      })
    } finally {
      dir.remove()
    }
  })

  it('error: a host with neither a key nor a key file is IPFS_ERROR_PEER_KEY_IO', async () => {
    await assert.rejects(createLibp2pHost({ listen: [] }), (err: Libp2pHostError) => err.code === Libp2pHostErrorCode.PEER_KEY_IO)
  })
})
