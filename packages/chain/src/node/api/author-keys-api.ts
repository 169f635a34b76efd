/**
 * The keystore's JSON-RPC methods, as Substrate's author API has them: `author_rotateKeys`,
 * `author_insertKey`, `author_hasKey`, `author_hasSessionKeys`. They are Substrate's "unsafe"
 * methods: answered for loopback peers only (Substrate's `--rpc-methods auto` on a public
 * address), others get Substrate's -32601 "RPC call is unsafe to be called externally".
 */
import { isIP } from 'node:net'
import { u8aToHex } from '@polkadot/util'
import { KeystoreError } from '../keystore/errors.js'
import type { Keystore } from '../keystore/keystore.js'
import { RpcError, type RpcServer } from '../rpc/index.js'
import type { RpcContext } from '../rpc/interface.js'
import { hexParam } from './params.js'

/** Substrate's error for an unsafe method called from elsewhere (sc-rpc-api `UnsafeRpcError`). */
export const UNSAFE_RPC_CODE = -32601
export const UNSAFE_RPC_MESSAGE = 'RPC call is unsafe to be called externally'
/** Substrate's author API "other" error code, used for bad key types, seeds and session keys. */
const AUTHOR_OTHER_ERROR = 1040

/** Whether an IP address is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  if (isIP(v4) === 4) return v4.startsWith('127.')
  return address === '::1'
}

function ensureLocal(ctx: RpcContext): void {
  if (!isLoopback(ctx.remoteAddress)) throw new RpcError(UNSAFE_RPC_CODE, UNSAFE_RPC_MESSAGE)
}

function keyTypeParam(value: unknown): string {
  if (typeof value !== 'string') throw RpcError.invalidParams('keyType: expected a string')
  return value
}

/** Maps keystore refusals to the author API's error (the message never holds a secret). */
function keystoreCall<T>(run: () => T): T {
  try {
    return run()
  } catch (err) {
    if (err instanceof KeystoreError) throw new RpcError(AUTHOR_OTHER_ERROR, err.message)
    throw err
  }
}

export function registerAuthorKeysApi(server: RpcServer, keystore: Keystore): void {
  server.addMethod('author_rotateKeys', (_params, ctx) => {
    ensureLocal(ctx)
    return u8aToHex(keystoreCall(() => keystore.rotateSessionKeys()))
  })
  server.addMethod('author_insertKey', ([keyType, suri, publicKey], ctx) => {
    ensureLocal(ctx)
    if (typeof suri !== 'string') throw RpcError.invalidParams('suri: expected a string')
    const type = keyTypeParam(keyType)
    const key = hexParam(publicKey, 'publicKey')
    keystoreCall(() => keystore.insert(type, suri, key))
    return null
  })
  server.addMethod('author_hasKey', ([publicKey, keyType], ctx) => {
    ensureLocal(ctx)
    const key = hexParam(publicKey, 'publicKey')
    return keystoreCall(() => keystore.has(key, keyTypeParam(keyType)))
  })
  server.addMethod('author_hasSessionKeys', ([keys], ctx) => {
    ensureLocal(ctx)
    const encoded = hexParam(keys, 'sessionKeys')
    return keystoreCall(() => keystore.hasSessionKeys(encoded))
  })
}
