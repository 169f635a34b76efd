/** `state_call`: the runtime APIs declared in the runtime version, answered natively. */
import { u8aToHex } from '@polkadot/util'
import type { StateView } from '../../chain/index.js'
import { Account } from '../../pallets/system.js'
import { computeFee, feeMultiplier } from '../../pallets/transaction-payment.js'
import { type DecodedExtrinsic, decodeExtrinsic } from '../../frame/extrinsic.js'
import { encodeCompact, readCompact } from '../../primitives/compact.js'
import { concatBytes } from '../../primitives/hashing.js'
import type { Runtime } from '../../runtime/runtime.js'
import { RpcError } from '../rpc/index.js'

const SUPPORTED_METADATA_VERSIONS = [14]

function u32le(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n, true)
  return out
}

function u128le(n: bigint): Uint8Array {
  const out = new Uint8Array(16)
  for (let i = 0; i < 16; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

/**
 * The fee figures of an extrinsic, as `TransactionPaymentApi` reports them on `state` (a block's
 * post-state): the fee it would pay in the next block, with that block's fee multiplier.
 */
export function feeInfo(runtime: Runtime, state: StateView, xtBytes: Uint8Array) {
  let xt: DecodedExtrinsic
  try {
    xt = decodeExtrinsic(runtime, xtBytes)
  } catch (err) {
    throw new RpcError(1001, 'Extrinsic has invalid format', (err as Error).message)
  }
  const info = runtime.callInfo(xt.call)
  const parts = computeFee(runtime.config, xtBytes.length, info.weight, feeMultiplier(state))
  return {
    weight: runtime.config.extrinsicBaseWeight + info.weight,
    class: info.class,
    paysFee: info.paysFee,
    parts,
    partialFee: info.paysFee ? parts.baseFee + parts.lengthFee + parts.weightFee : 0n,
    tip: xt.signed?.tip ?? 0n,
  }
}

/** Splits `extrinsic ++ u32 len` (the query_info input) and returns the extrinsic bytes. */
function extrinsicArg(data: Uint8Array): Uint8Array {
  const len = readCompact(data, 0)
  if (len === undefined) throw RpcError.invalidParams('expected an extrinsic')
  const end = len.length + Number(len.value)
  if (end + 4 !== data.length) throw RpcError.invalidParams('expected an extrinsic followed by its u32 length')
  return data.subarray(0, end)
}

export function runtimeCall(runtime: Runtime, state: StateView, method: string, data: Uint8Array): string {
  switch (method) {
    case 'Core_version':
      return runtime.registry.createType('RuntimeVersion', runtime.version).toHex()
    case 'Metadata_metadata':
      return u8aToHex(concatBytes(encodeCompact(runtime.metadata.length), runtime.metadata))
    case 'Metadata_metadata_versions':
      return u8aToHex(concatBytes(encodeCompact(SUPPORTED_METADATA_VERSIONS.length), ...SUPPORTED_METADATA_VERSIONS.map(u32le)))
    case 'Metadata_metadata_at_version': {
      if (data.length !== 4) throw RpcError.invalidParams('expected a u32 version')
      const version = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true)
      if (!SUPPORTED_METADATA_VERSIONS.includes(version)) return '0x00'
      return u8aToHex(concatBytes(Uint8Array.of(1), encodeCompact(runtime.metadata.length), runtime.metadata))
    }
    case 'AccountNonceApi_account_nonce': {
      if (data.length !== 32) throw RpcError.invalidParams('expected a 32-byte account id')
      return u8aToHex(u32le(Account.get(state, data).nonce))
    }
    case 'TransactionPaymentApi_query_info': {
      const fee = feeInfo(runtime, state, extrinsicArg(data))
      const classIndex = fee.class === 'Normal' ? 0 : fee.class === 'Operational' ? 1 : 2
      return u8aToHex(concatBytes(encodeCompact(fee.weight), encodeCompact(0), Uint8Array.of(classIndex), u128le(fee.partialFee)))
    }
    case 'TransactionPaymentApi_query_fee_details': {
      const fee = feeInfo(runtime, state, extrinsicArg(data))
      const inclusion = fee.paysFee
        ? concatBytes(Uint8Array.of(1), u128le(fee.parts.baseFee), u128le(fee.parts.lengthFee), u128le(fee.parts.weightFee))
        : Uint8Array.of(0)
      return u8aToHex(concatBytes(inclusion, u128le(fee.tip)))
    }
    default:
      throw new RpcError(-32000, `Client error: Execution failed: Other: Exported method ${method} is not found`)
  }
}
