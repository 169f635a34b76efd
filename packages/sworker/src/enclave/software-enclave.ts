import { createCipheriv, createDecipheriv, createECDH, hkdfSync, type KeyObject, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { releaseBytes } from '@crust-ts/base'
import { p256PublicKey, sworkWire } from '@crust-ts/protocol'
import type { CID } from 'multiformats/cid'
import { p256PrivateKey, signP1363 } from './attestation.js'
import { IDENTITY_CODE, SHA256_CODE, sealInto, sealRecord } from './block-seal.js'
import { GCM_IV_LENGTH, GCM_TAG_LENGTH, IDENTITY_FILE, IDENTITY_FORMAT, NODE_SECRET_FILE, SEALED_BLOCK_FORMAT, SECRET_LENGTH } from './constants.js'
import { EnclaveError, EnclaveErrorCode } from './errors.js'
import type { AbortOptions, AttestationAuthority, ContentHashing, Enclave, RegisterArgs, SealedRecord } from './interface.js'
import { defaultSoftwareEnclaveOptions, type SoftwareEnclaveInit } from './options.js'
import { SealPool } from './seal-pool.js'
import { readSecretFile, writeSecretFile } from './secret-files.js'

const IDENTITY_AAD = new TextEncoder().encode('crust-ts sworker identity v1')
const SALT_LENGTH = 16

function derive(secret: Uint8Array, salt: Uint8Array | string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, info, SECRET_LENGTH))
}

/** A fresh valid P-256 secret scalar. */
function generateP256Secret(): Uint8Array {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const d = ecdh.getPrivateKey()
  const out = new Uint8Array(SECRET_LENGTH)
  out.set(d, SECRET_LENGTH - d.length)
  return out
}

function encryptIdentity(nodeSecret: Uint8Array, identity: Uint8Array): Uint8Array {
  const salt = randomBytes(SALT_LENGTH)
  const iv = randomBytes(GCM_IV_LENGTH)
  const cipher = createCipheriv('aes-256-gcm', derive(nodeSecret, salt, 'identity key'), iv)
  cipher.setAAD(IDENTITY_AAD)
  const ct = Buffer.concat([cipher.update(identity), cipher.final()])
  return Buffer.concat([Buffer.of(IDENTITY_FORMAT), salt, iv, cipher.getAuthTag(), ct])
}

function decryptIdentity(nodeSecret: Uint8Array, file: Uint8Array): Uint8Array {
  const fail = (cause?: unknown) =>
    new EnclaveError(EnclaveErrorCode.IDENTITY_UNREADABLE, 'the enclave identity cannot be decrypted with this node secret', undefined, { cause })
  if (file[0] !== IDENTITY_FORMAT || file.length !== 1 + SALT_LENGTH + GCM_IV_LENGTH + GCM_TAG_LENGTH + SECRET_LENGTH) throw fail()
  let offset = 1
  const take = (n: number) => file.subarray(offset, (offset += n))
  const salt = take(SALT_LENGTH)
  const iv = take(GCM_IV_LENGTH)
  const tag = take(GCM_TAG_LENGTH)
  const ct = take(SECRET_LENGTH)
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(nodeSecret, salt, 'identity key'), iv)
    decipher.setAAD(IDENTITY_AAD)
    decipher.setAuthTag(tag)
    return new Uint8Array(Buffer.concat([decipher.update(ct), decipher.final()]))
  } catch (err) {
    throw fail(err)
  }
}

/**
 * An enclave in software. Its P-256 identity is generated on first start and kept in the data
 * folder encrypted (AES-256-GCM, key derived with HKDF from the node secret, itself generated on
 * first start and kept with mode 0600); the sealing and SRD keys are derived from the identity
 * secret. It guards against mistakes (a copied data folder without its node secret, a sealed
 * block read as plaintext), not against the machine's owner: a hardware TEE backend is what
 * removes that trust.
 */
export class SoftwareEnclave implements Enclave {
  readonly publicKey: Uint8Array
  readonly code: Uint8Array
  /** True when this start generated a new identity (first start). */
  readonly created: boolean
  readonly #key: KeyObject
  readonly #sealKey: Buffer
  readonly #srdKey: Buffer
  readonly #authority: AttestationAuthority
  readonly #pool: SealPool | undefined

  private constructor(identity: Uint8Array, code: Uint8Array, authority: AttestationAuthority, created: boolean, sealThreads: number) {
    this.#key = p256PrivateKey(identity)
    this.publicKey = sworkWire.publicKeyToSworker(p256PublicKey(identity))
    this.#sealKey = derive(identity, 'crust-ts sworker', 'seal key v1')
    this.#srdKey = derive(identity, 'crust-ts sworker', 'srd key v1')
    this.code = code
    this.#authority = authority
    this.created = created
    this.#pool = sealThreads > 0 ? new SealPool(this.#sealKey, sealThreads) : undefined
  }

  /**
   * Loads the identity from `init.dataDir`, creating the node secret and the identity on first
   * start. Throws `SWORKER_ERROR_IDENTITY_UNREADABLE` if an identity exists that the node secret
   * does not open, `SWORKER_ERROR_SECRET_IO` if the folder cannot hold the files.
   */
  static open(init: SoftwareEnclaveInit): SoftwareEnclave {
    const code = init.code ?? defaultSoftwareEnclaveOptions.code
    const secretPath = path.join(init.dataDir, NODE_SECRET_FILE)
    const identityPath = path.join(init.dataDir, IDENTITY_FILE)
    try {
      fs.mkdirSync(init.dataDir, { recursive: true, mode: 0o700 })
      let nodeSecret = readSecretFile(secretPath)
      let identityFile = readSecretFile(identityPath)
      if (nodeSecret === undefined) {
        if (identityFile !== undefined) {
          throw new EnclaveError(EnclaveErrorCode.IDENTITY_UNREADABLE, 'an enclave identity exists but its node secret is missing', { path: secretPath })
        }
        nodeSecret = new Uint8Array(randomBytes(SECRET_LENGTH))
        writeSecretFile(secretPath, nodeSecret)
      }
      if (nodeSecret.length !== SECRET_LENGTH)
        throw new EnclaveError(EnclaveErrorCode.IDENTITY_UNREADABLE, 'the node secret has the wrong length', { path: secretPath })
      let created = false
      if (identityFile === undefined) {
        const identity = generateP256Secret()
        identityFile = encryptIdentity(nodeSecret, identity)
        writeSecretFile(identityPath, identityFile)
        created = true
      }
      const sealThreads = init.sealThreads ?? defaultSoftwareEnclaveOptions.sealThreads
      return new SoftwareEnclave(decryptIdentity(nodeSecret, identityFile), code, init.authority, created, sealThreads)
    } catch (err) {
      if (err instanceof EnclaveError) throw err
      throw new EnclaveError(EnclaveErrorCode.SECRET_IO, 'cannot keep the enclave secrets in the data folder', { dataDir: init.dataDir }, { cause: err })
    }
  }

  async attest(applier: Uint8Array, options: AbortOptions = {}): Promise<RegisterArgs> {
    if (applier.length !== 32) throw new EnclaveError(EnclaveErrorCode.INVALID_ARGUMENT, 'the applier must be a 32-byte account id', { length: applier.length })
    const isv_body = sworkWire.isvBodyFor(this.code, this.publicKey)
    const ias_cert = this.#authority.publicKey
    const ias_sig = await this.#authority.vouch(isv_body, options)
    const sig = sworkWire.signatureToSworker(signP1363(this.#key, sworkWire.registerPayload(ias_cert, ias_sig, isv_body, applier)))
    return { ias_sig, ias_cert, applier, isv_body, sig }
  }

  sealBlock(cid: Uint8Array, block: Uint8Array): Uint8Array {
    return sealInto(this.#sealKey, cid, block, 0)
  }

  async sealFileBlock(cid: CID, block: Uint8Array, prefix: Uint8Array, content?: ContentHashing): Promise<SealedRecord | undefined> {
    const { code, digest } = cid.multihash
    if (code !== SHA256_CODE && code !== IDENTITY_CODE) {
      throw new EnclaveError(EnclaveErrorCode.INVALID_ARGUMENT, 'unsupported multihash (sha256 and identity only)', { cid: cid.toString(), hash: code })
    }
    const job = { cid: cid.bytes, hashCode: code, digest, block, prefix, ...(content === undefined ? {} : { content }) }
    return this.#pool === undefined ? sealRecord(this.#sealKey, job) : this.#pool.run(job)
  }

  unsealBlock(cid: Uint8Array, sealed: Uint8Array): Uint8Array {
    if (sealed.length < 1 + GCM_IV_LENGTH + GCM_TAG_LENGTH || sealed[0] !== SEALED_BLOCK_FORMAT) {
      throw new EnclaveError(EnclaveErrorCode.UNSEAL_FAILED, 'not a sealed block')
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, sealed.subarray(1, 1 + GCM_IV_LENGTH))
      decipher.setAAD(cid)
      decipher.setAuthTag(sealed.subarray(1 + GCM_IV_LENGTH, 1 + GCM_IV_LENGTH + GCM_TAG_LENGTH))
      return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(1 + GCM_IV_LENGTH + GCM_TAG_LENGTH)), decipher.final()]))
    } catch (err) {
      throw new EnclaveError(EnclaveErrorCode.UNSEAL_FAILED, 'the sealed block does not decrypt', undefined, { cause: err })
    }
  }

  srdData(unitId: Uint8Array, offset: number, length: number): Uint8Array {
    if (offset % 16 !== 0 || offset < 0 || length < 0) {
      throw new EnclaveError(EnclaveErrorCode.INVALID_ARGUMENT, 'SRD reads start at a multiple of 16 bytes', { offset, length })
    }
    const iv = Buffer.alloc(16)
    iv.writeBigUInt64BE(BigInt(offset / 16), 8)
    const cipher = createCipheriv('aes-256-ctr', derive(this.#srdKey, unitId, 'srd unit'), iv)
    const zeros = Buffer.alloc(length)
    const data = cipher.update(zeros)
    // Megabytes a chunk while SRD grows: the plaintext goes back now, and the keystream is handed
    // over in its own buffer (not copied) so that the caller can release it once written.
    releaseBytes(zeros)
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  }

  signWorkReport(fields: sworkWire.WorkReportPayloadFields): Uint8Array {
    return sworkWire.signatureToSworker(signP1363(this.#key, sworkWire.workReportPayload(fields)))
  }

  async close(): Promise<void> {
    await this.#pool?.close()
  }
}
