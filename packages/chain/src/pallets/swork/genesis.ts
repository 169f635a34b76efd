/** sWork's genesis storage: the attestation authority and the whitelisted enclave codes. */
import { hexToU8a, isHex } from '@polkadot/util'
import type { StorageAccess } from '../../frame/storage.js'
import { SworkGenesisError } from './errors.js'
import { p256KeyObject } from '@crust-ts/protocol'
import { AttestationAuthority, Codes } from './storage.js'

/** What a chain spec's genesis holds for sWork. */
export interface SworkGenesis {
  /** 0x hex P-256 public key, 65 bytes uncompressed (0x04 ‖ x ‖ y). */
  attestationAuthority: string
  /** [0x hex enclave code, expiry block]. */
  codes: Array<[string, number]>
}

/** Whether `key` is an uncompressed P-256 public key on the curve. */
export function isAuthorityKey(key: Uint8Array): boolean {
  return p256KeyObject(key) !== undefined
}

/** Writes sWork's genesis storage (called by the chain spec's genesis builder). */
export function buildSworkGenesis(state: StorageAccess, genesis: SworkGenesis): void {
  if (!isHex(genesis.attestationAuthority) || !isAuthorityKey(hexToU8a(genesis.attestationAuthority))) {
    throw new SworkGenesisError('attestationAuthority is not an uncompressed P-256 public key', { field: 'attestationAuthority' })
  }
  AttestationAuthority.put(state, hexToU8a(genesis.attestationAuthority))
  genesis.codes.forEach(([code, expiry], i) => {
    if (!isHex(code) || !Number.isInteger(expiry) || expiry < 0 || expiry > 0xffff_ffff) {
      throw new SworkGenesisError('a code must be [0x hex, expiry block]', { field: `codes[${i}]` })
    }
    Codes.insert(state, hexToU8a(code), expiry)
  })
}
