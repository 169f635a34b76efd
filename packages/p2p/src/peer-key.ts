import fs from 'node:fs'
import path from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PEER_KEY_MODE } from './constants.js'
import { Libp2pHostError, Libp2pHostErrorCode } from './errors.js'

/**
 * Loads the node's libp2p private key from `file` (the protobuf encoding libp2p and Kubo use), or,
 * if the file does not exist, generates an Ed25519 key and writes it atomically (temporary file,
 * fsync, rename, fsync of the folder) with mode 0600. A key file readable by others is narrowed to
 * 0600. Throws {@link Libp2pHostError} `IPFS_ERROR_PEER_KEY_INVALID` for a corrupt file and
 * `IPFS_ERROR_PEER_KEY_IO` when the file cannot be read or written.
 */
export async function loadOrCreatePeerKey(file: string): Promise<PrivateKey> {
  const io = (message: string, cause: unknown): Libp2pHostError =>
    new Libp2pHostError({ code: Libp2pHostErrorCode.PEER_KEY_IO, path: file }, message, { cause })
  let bytes: Uint8Array | undefined
  try {
    bytes = fs.readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw io('cannot read the peer key', err)
  }
  if (bytes !== undefined) {
    try {
      if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, PEER_KEY_MODE)
    } catch (err) {
      throw io('cannot restrict the peer key file mode', err)
    }
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new Libp2pHostError({ code: Libp2pHostErrorCode.PEER_KEY_INVALID, path: file }, 'the peer key file is corrupt', {
        cause: err,
      })
    }
  }
  const key = await generateKeyPair('Ed25519')
  const dir = path.dirname(file)
  const tmp = `${file}.tmp-${process.pid}`
  try {
    fs.mkdirSync(dir, { recursive: true })
    const fd = fs.openSync(tmp, 'w', PEER_KEY_MODE)
    try {
      fs.writeSync(fd, privateKeyToProtobuf(key))
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
    const dirFd = fs.openSync(dir, 'r')
    try {
      fs.fsyncSync(dirFd)
    } finally {
      fs.closeSync(dirFd)
    }
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw io('cannot write the peer key', err)
  }
  return key
}

/**
 * The peer id of the key in `file`, creating the key (and its folder) if absent: a launcher that
 * knows its nodes' peer ids before they start can give each the others' addresses at once.
 */
export async function peerIdOfKeyFile(file: string): Promise<string> {
  return peerIdFromPrivateKey(await loadOrCreatePeerKey(file)).toString()
}
