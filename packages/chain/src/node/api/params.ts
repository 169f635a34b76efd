/** Parameter checks for the Substrate JSON-RPC methods: bad input answers -32602 with a reason. */
import { hexToU8a, isHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'
import type { BlockRecord, Chain, StateView } from '../../chain/index.js'
import { RpcError } from '../rpc/index.js'

export function hexParam(value: unknown, name: string, byteLength?: number): Uint8Array {
  if (typeof value !== 'string' || !isHex(value)) throw RpcError.invalidParams(`${name}: expected 0x-prefixed hex`)
  const bytes = hexToU8a(value)
  if (byteLength !== undefined && bytes.length !== byteLength) throw RpcError.invalidParams(`${name}: expected ${byteLength} bytes`)
  return bytes
}

export function optionalHashParam(value: unknown, name: string): Uint8Array | undefined {
  return value === undefined || value === null ? undefined : hexParam(value, name, 32)
}

/** The block at `at` (default: best); an unknown hash is Substrate's 4003 "unknown block". */
export function blockParam(chain: Chain, value: unknown, name = 'at'): BlockRecord {
  const hash = optionalHashParam(value, name)
  if (hash === undefined) return chain.best
  const block = chain.blockByHash(hash)
  if (block === undefined) throw new RpcError(STATE_CLIENT_ERROR_CODE, `Client error: UnknownBlock: header not found for ${value as string}`)
  return block
}

/** Substrate's JSON-RPC code for client errors of the state API (an unknown block, a pruned state). */
export const STATE_CLIENT_ERROR_CODE = 4003

/**
 * The state at block `at` (default: best). A pruned one answers as Substrate does: 4003
 * "Client error: UnknownBlock: State already discarded for <hash>".
 */
export function stateParam(chain: Chain, value: unknown, name = 'at'): StateView {
  const block = blockParam(chain, value, name)
  if (!chain.hasState(block)) throw new RpcError(STATE_CLIENT_ERROR_CODE, `Client error: UnknownBlock: State already discarded for ${block.hashHex}`)
  return chain.stateAt(block)
}

export function numberParam(value: unknown, name: string, max = 0xffffffff, min = 0): number {
  const n = typeof value === 'string' && isHex(value) ? Number.parseInt(value.slice(2) || '0', 16) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw RpcError.invalidParams(`${name}: expected an integer ${min}-${max}`)
  return n
}

export function accountParam(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw RpcError.invalidParams(`${name}: expected an SS58 address or 0x account id`)
  try {
    const id = decodeAddress(value)
    if (id.length !== 32) throw new Error('not 32 bytes')
    return id
  } catch {
    throw RpcError.invalidParams(`${name}: "${value}" is not a valid account`)
  }
}

export function keyListParam(value: unknown, name: string): Uint8Array[] {
  if (!Array.isArray(value)) throw RpcError.invalidParams(`${name}: expected an array of 0x storage keys`)
  if (value.length > 1000) throw RpcError.invalidParams(`${name}: at most 1000 keys`)
  return value.map((k, i) => hexParam(k, `${name}[${i}]`))
}
