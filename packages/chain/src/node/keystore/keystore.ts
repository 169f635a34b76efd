/**
 * The node's keystore, as Substrate's local keystore keeps it: one file per key in
 * `<basePath>/keystore`, named hex(key type id) ++ hex(public key), holding the secret URI as a
 * JSON string; the folder is 0700 and each file 0600, written atomically (temporary file, fsync,
 * rename), so a crash leaves either the whole key or none. Keys are sr25519 (all our session key
 * roles are). Keys added with {@link Keystore.addEphemeral} (a validator's dev key given on the
 * command line) live in memory only. Secrets are never logged nor put in errors.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { mnemonicGenerate } from '@polkadot/util-crypto'
import type { BlockSigner } from '../../primitives/aura.js'
import { decodeSessionKeys, encodeSessionKeys, KEY_TYPES, SESSION_KEY_NAMES, type SessionKeys } from '../../pallets/staking/index.js'
import { KeystoreError } from './errors.js'

const KEYSTORE_DIR = 'keystore'

/** A 4-character key type id, e.g. `aura`, `gran`, `imon`, `audi`. */
export type KeyTypeId = string

/** What consensus needs: a signer for a public key of one type, if this node holds its secret. */
export interface SigningKeys {
  signer(type: KeyTypeId, publicKey: Uint8Array): BlockSigner | undefined
}

function checkKeyType(type: string): void {
  if (!/^[\x21-\x7e]{4}$/.test(type)) throw new KeystoreError('KEYSTORE_ERROR_BAD_KEY_TYPE', 'Invalid key type ID format (should be of length four)')
}

const hexOf = (bytes: Uint8Array) => u8aToHex(bytes).slice(2)
const fileName = (type: KeyTypeId, publicKey: Uint8Array) => hexOf(new TextEncoder().encode(type)) + hexOf(publicKey)

function pairOf(suri: string): KeyringPair {
  try {
    return new Keyring({ type: 'sr25519' }).addFromUri(suri)
  } catch {
    throw new KeystoreError('KEYSTORE_ERROR_BAD_SEED', 'Invalid seed phrase/SURI')
  }
}

export class Keystore implements SigningKeys {
  private readonly pairs = new Map<string, KeyringPair>()
  /** Names of the key files on disk (read once: lookups for keys this node lacks touch no file). */
  private readonly files = new Set<string>()

  /** `dir` undefined: an in-memory keystore (tests, nodes without a base path). */
  private constructor(private readonly dir: string | undefined) {
    if (dir !== undefined) for (const name of readdirSync(dir)) if (/^[0-9a-f]{72}$/.test(name)) this.files.add(name)
  }

  /** The keystore of a node's base path (created 0700 when absent). */
  static open(basePath: string): Keystore {
    const dir = join(basePath, KEYSTORE_DIR)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
    return new Keystore(dir)
  }

  static inMemory(): Keystore {
    return new Keystore(undefined)
  }

  /**
   * Stores the key of `suri` under `type` (author_insertKey). With `publicKey`, the secret must
   * give that key. Returns the public key.
   */
  insert(type: KeyTypeId, suri: string, publicKey?: Uint8Array): Uint8Array {
    checkKeyType(type)
    const pair = pairOf(suri)
    if (publicKey !== undefined && u8aToHex(publicKey) !== u8aToHex(pair.publicKey)) {
      throw new KeystoreError('KEYSTORE_ERROR_BAD_SEED', 'the secret does not give the public key it came with', { publicKey: u8aToHex(publicKey) })
    }
    this.persist(type, pair.publicKey, suri)
    this.pairs.set(fileName(type, pair.publicKey), pair)
    return pair.publicKey
  }

  /** A new random key of `type`, stored; returns its public key. */
  generate(type: KeyTypeId): Uint8Array {
    return this.insert(type, mnemonicGenerate())
  }

  /** Keeps `suri`'s key for `type` in memory only (a dev key given on the command line). */
  addEphemeral(type: KeyTypeId, suri: string): Uint8Array {
    checkKeyType(type)
    const pair = pairOf(suri)
    this.pairs.set(fileName(type, pair.publicKey), pair)
    return pair.publicKey
  }

  /** Whether the secret of `publicKey` of `type` is here (author_hasKey). */
  has(publicKey: Uint8Array, type: KeyTypeId): boolean {
    checkKeyType(type)
    return this.pairOf(type, publicKey) !== undefined
  }

  signer(type: KeyTypeId, publicKey: Uint8Array): BlockSigner | undefined {
    const pair = this.pairOf(type, publicKey)
    return pair === undefined ? undefined : { publicKey: pair.publicKey, sign: (message) => pair.sign(message) }
  }

  /** New session keys, one per role, stored; returns them SCALE-encoded (author_rotateKeys). */
  rotateSessionKeys(): Uint8Array {
    const keys = Object.fromEntries(SESSION_KEY_NAMES.map((name) => [name, this.generate(KEY_TYPES[name])])) as SessionKeys
    return encodeSessionKeys(keys)
  }

  /** Whether every key of SCALE-encoded session keys is here (author_hasSessionKeys). */
  hasSessionKeys(encoded: Uint8Array): boolean {
    const keys = decodeSessionKeys(encoded)
    if (keys === undefined) throw new KeystoreError('KEYSTORE_ERROR_BAD_SESSION_KEYS', 'Invalid session keys encoding')
    return SESSION_KEY_NAMES.every((name) => this.pairOf(KEY_TYPES[name], keys[name]) !== undefined)
  }

  private pairOf(type: KeyTypeId, publicKey: Uint8Array): KeyringPair | undefined {
    const name = fileName(type, publicKey)
    const cached = this.pairs.get(name)
    if (cached !== undefined || this.dir === undefined || !this.files.has(name)) return cached
    let suri: unknown
    try {
      suri = JSON.parse(readFileSync(join(this.dir, name), 'utf8'))
    } catch {
      return undefined
    }
    if (typeof suri !== 'string') return undefined
    const pair = new Keyring({ type: 'sr25519' }).addFromUri(suri)
    if (u8aToHex(pair.publicKey) !== u8aToHex(publicKey)) return undefined
    this.pairs.set(name, pair)
    return pair
  }

  private persist(type: KeyTypeId, publicKey: Uint8Array, suri: string): void {
    if (this.dir === undefined) return
    const target = join(this.dir, fileName(type, publicKey))
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`
    const fd = openSync(temporary, 'wx', 0o600)
    try {
      writeSync(fd, JSON.stringify(suri))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, target)
    this.files.add(fileName(type, publicKey))
    const dirFd = openSync(this.dir, 'r')
    try {
      fsyncSync(dirFd)
    } finally {
      closeSync(dirFd)
    }
  }
}
