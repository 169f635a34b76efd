/**
 * The Substrate JSON-RPC API over the chain, the pool and the runtime: every method and
 * subscription `@polkadot/api` uses to connect, query, and submit and watch extrinsics.
 */
import { u8aToHex } from '@polkadot/util'
import { blake2AsHex, encodeAddress } from '@polkadot/util-crypto'
import { electedValidators } from '../../pallets/staking/index.js'
import type { BlockRecord, Chain, ImportedBlock } from '../../chain/index.js'
import { headerToJson } from '../../primitives/header.js'
import { ExtrinsicFormatError } from '../../frame/extrinsic.js'
import type { Runtime } from '../../runtime/runtime.js'
import type { MetadataVersion } from '../../runtime/legacy-metadata.js'
import { InvalidTransactionError } from '../../runtime/validity.js'
import { RpcError, type RpcServer, type SubscriptionSink } from '../rpc/index.js'
import type { ChainSpec } from '../../spec/chain-spec.js'
import { PoolError, poolErrorToRpc } from '../txpool/errors.js'
import { isFinalStatus, type TransactionPool, type TransactionStatus } from '../txpool/transaction-pool.js'
import { accountParam, blockParam, hexParam, keyListParam, numberParam, stateParam } from './params.js'
import { feeInfo, runtimeCall } from './runtime-api.js'
import { ACTIVITY_WINDOW_DEFAULT, ACTIVITY_WINDOW_MAX, validatorActivity } from './validator-activity.js'

export interface SubstrateApiDeps {
  chain: Chain
  pool: TransactionPool
  runtime: Runtime
  spec: ChainSpec
  nodeName: string
  nodeVersion: string
  /** The node authors blocks (shown by `system_nodeRoles`). */
  isAuthority: boolean
  /** The metadata version `state_getMetadata` serves (the `Metadata` runtime API serves V14). */
  metadataVersion: MetadataVersion
}

const MAX_KEYS_PAGE = 1000

/** Maps submission failures to Substrate's JSON-RPC errors (1001 format, 1010 invalid, 101x pool). */
export function submissionError(err: unknown): RpcError {
  if (err instanceof RpcError) return err
  if (err instanceof ExtrinsicFormatError) return new RpcError(1001, 'Extrinsic has invalid format', err.message)
  if (err instanceof InvalidTransactionError) return new RpcError(1010, 'Invalid Transaction', err.message)
  if (err instanceof PoolError) {
    const e = poolErrorToRpc(err)
    return new RpcError(e.code, e.message, e.data)
  }
  throw err
}

export function registerSubstrateApi(server: RpcServer, deps: SubstrateApiDeps): void {
  const { chain, pool, runtime, spec } = deps
  const method = (names: string | string[], handler: (params: unknown[]) => unknown) => {
    for (const name of Array.isArray(names) ? names : [names]) server.addMethod(name, handler)
  }
  const headerJson = (block: BlockRecord) => headerToJson(block.header)

  // system
  method('system_name', () => deps.nodeName)
  method('system_version', () => deps.nodeVersion)
  method('system_chain', () => spec.name)
  method('system_chainType', () => spec.chainType)
  method('system_properties', () => spec.properties)
  method('system_health', () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }))
  method('system_peers', () => [])
  method('system_nodeRoles', () => [deps.isAuthority ? 'Authority' : 'Full'])
  method('system_syncState', () => ({ startingBlock: 0, currentBlock: chain.best.number, highestBlock: chain.best.number }))
  method('system_accountNextIndex', ([address]) => pool.nextNonce(accountParam(address, 'account')))

  // chain
  method('chain_getBlockHash', ([n]) => {
    const one = (v: unknown) => {
      if (v === undefined || v === null) return chain.best.hashHex
      const hash = chain.hashAt(numberParam(v, 'blockNumber'))
      return hash === undefined ? null : u8aToHex(hash)
    }
    return Array.isArray(n) ? n.map(one) : one(n)
  })
  method('chain_getHeader', ([at]) => {
    if (at === undefined || at === null) return headerJson(chain.best)
    const block = chain.blockByHash(hexParam(at, 'hash', 32))
    return block === undefined ? null : headerJson(block)
  })
  method('chain_getBlock', ([at]) => {
    const block = at === undefined || at === null ? chain.best : chain.blockByHash(hexParam(at, 'hash', 32))
    if (block === undefined) return null
    const extrinsics = chain.extrinsicsOf(block.hash) ?? []
    return { block: { header: headerJson(block), extrinsics: extrinsics.map((x) => u8aToHex(x)) }, justifications: null }
  })
  method(['chain_getFinalizedHead', 'chain_getFinalisedHead'], () => chain.finalized.hashHex)

  const headSubscription = (subscribe: string[], unsubscribe: string[], notification: string, event: 'block' | 'finalized', current: () => BlockRecord) =>
    server.addSubscription({
      subscribe,
      unsubscribe,
      notification,
      handler: (_params, sink) => {
        sink.send(headerJson(current()))
        const listener = event === 'block' ? (b: ImportedBlock) => sink.send(headerJson(b.block)) : (b: BlockRecord) => sink.send(headerJson(b))
        chain.on(event, listener as never)
        return () => chain.off(event, listener as never)
      },
    })
  headSubscription(
    ['chain_subscribeNewHeads', 'chain_subscribeNewHead', 'subscribe_newHead'],
    ['chain_unsubscribeNewHeads', 'chain_unsubscribeNewHead', 'unsubscribe_newHead'],
    'chain_newHead',
    'block',
    () => chain.best,
  )
  headSubscription(['chain_subscribeAllHeads'], ['chain_unsubscribeAllHeads'], 'chain_allHead', 'block', () => chain.best)
  headSubscription(
    ['chain_subscribeFinalizedHeads', 'chain_subscribeFinalisedHeads'],
    ['chain_unsubscribeFinalizedHeads', 'chain_unsubscribeFinalisedHeads'],
    'chain_finalizedHead',
    'finalized',
    () => chain.finalized,
  )

  // state
  method(['state_getRuntimeVersion', 'chain_getRuntimeVersion'], ([at]) => {
    blockParam(chain, at)
    return runtime.version
  })
  method('state_getMetadata', ([at]) => {
    blockParam(chain, at)
    return u8aToHex(runtime.metadataOf(deps.metadataVersion))
  })
  method(['state_getStorage', 'state_getStorageAt'], ([key, at]) => {
    const value = stateParam(chain, at).get(hexParam(key, 'key'))
    return value === undefined ? null : u8aToHex(value)
  })
  method(['state_getStorageHash', 'state_getStorageHashAt'], ([key, at]) => {
    const value = stateParam(chain, at).get(hexParam(key, 'key'))
    return value === undefined ? null : blake2AsHex(value, 256)
  })
  method(['state_getStorageSize', 'state_getStorageSizeAt'], ([key, at]) => {
    const value = stateParam(chain, at).get(hexParam(key, 'key'))
    return value === undefined ? null : value.length
  })
  method('state_queryStorageAt', ([keys, at]) => {
    const block = blockParam(chain, at)
    const state = stateParam(chain, block.hashHex)
    const changes = keyListParam(keys, 'keys').map((k) => {
      const v = state.get(k)
      return [u8aToHex(k), v === undefined ? null : u8aToHex(v)]
    })
    return [{ block: block.hashHex, changes }]
  })
  method(['state_getKeysPaged', 'state_getKeysPagedAt'], ([prefix, count, startKey, at]) => {
    const p = prefix === undefined || prefix === null ? new Uint8Array() : hexParam(prefix, 'prefix')
    const limit = numberParam(count, 'count', MAX_KEYS_PAGE)
    const start = startKey === undefined || startKey === null ? undefined : hexParam(startKey, 'startKey')
    return stateParam(chain, at)
      .keys(p, limit, start)
      .map((k) => u8aToHex(k))
  })
  method('state_getKeys', ([prefix, at]) => {
    const keys = stateParam(chain, at).keys(hexParam(prefix, 'prefix'), MAX_KEYS_PAGE + 1)
    if (keys.length > MAX_KEYS_PAGE) throw RpcError.invalidParams(`more than ${MAX_KEYS_PAGE} keys: use state_getKeysPaged`)
    return keys.map((k) => u8aToHex(k))
  })
  method(['state_call', 'state_callAt'], ([name, data, at]) => {
    if (typeof name !== 'string') throw RpcError.invalidParams('method: expected a runtime API method name')
    return runtimeCall(runtime, stateParam(chain, at), name, hexParam(data ?? '0x', 'data'))
  })
  server.addSubscription({
    subscribe: ['state_subscribeRuntimeVersion', 'chain_subscribeRuntimeVersion'],
    unsubscribe: ['state_unsubscribeRuntimeVersion', 'chain_unsubscribeRuntimeVersion'],
    notification: 'state_runtimeVersion',
    handler: (_params, sink) => {
      sink.send(runtime.version)
      return () => {}
    },
  })
  server.addSubscription({
    subscribe: ['state_subscribeStorage'],
    unsubscribe: ['state_unsubscribeStorage'],
    notification: 'state_storage',
    handler: ([keys], sink) => {
      const watched = keys === undefined || keys === null ? undefined : keyListParam(keys, 'keys')
      if (watched === undefined) throw RpcError.invalidParams('keys: subscribing to every key is not supported; list the keys')
      const hexKeys = watched.map((k) => u8aToHex(k))
      const send = (block: BlockRecord, which: number[]) => {
        const state = chain.stateAt(block)
        const changes = which.map((i) => {
          const v = state.get(watched[i]!)
          return [hexKeys[i], v === undefined ? null : u8aToHex(v)]
        })
        sink.send({ block: block.hashHex, changes })
      }
      send(
        chain.best,
        hexKeys.map((_, i) => i),
      )
      const listener = (imported: ImportedBlock) => {
        const changed = hexKeys.flatMap((k, i) => (imported.changedKeys.has(k) ? [i] : []))
        if (changed.length > 0) send(imported.block, changed)
      }
      chain.on('block', listener)
      return () => chain.off('block', listener)
    },
  })

  // staking: the elected validator set and weights consensus reads (Crust GPoS)
  method('staking_electedValidators', ([at]) =>
    electedValidators(stateParam(chain, at)).map(({ stash, weight }) => ({
      stash: encodeAddress(stash, spec.properties.ss58Format),
      weight: weight.toString(),
    })),
  )

  // crust: what the node stores beyond the state, read-only (the web console's validators)
  method('crust_validatorActivity', ([window, at]) =>
    validatorActivity(
      chain,
      blockParam(chain, at),
      window === undefined || window === null ? ACTIVITY_WINDOW_DEFAULT : numberParam(window, 'window', ACTIVITY_WINDOW_MAX, 1),
      spec.properties.ss58Format,
    ),
  )
  // The finality justification stored with a finalized block (the consensus package's JSON, hex), or null.
  method('crust_justification', ([at]) => {
    const block = chain.blockByHash(hexParam(at, 'hash', 32))
    const bytes = block === undefined ? undefined : chain.justificationOf(block.hash)
    return bytes === undefined ? null : u8aToHex(bytes)
  })

  // author
  method('author_submitExtrinsic', ([xt]) => {
    try {
      return pool.submit(hexParam(xt, 'extrinsic')).hash
    } catch (err) {
      throw submissionError(err)
    }
  })
  method('author_pendingExtrinsics', () => pool.pending().map((x) => u8aToHex(x)))
  server.addSubscription({
    subscribe: ['author_submitAndWatchExtrinsic'],
    unsubscribe: ['author_unwatchExtrinsic'],
    notification: 'author_extrinsicUpdate',
    handler: ([xt], sink: SubscriptionSink) => {
      let submitted: { hash: string; status: TransactionStatus }
      try {
        submitted = pool.submit(hexParam(xt, 'extrinsic'))
      } catch (err) {
        throw submissionError(err)
      }
      const listener = (hash: string, status: TransactionStatus) => {
        if (hash !== submitted.hash) return
        sink.send(status)
        if (isFinalStatus(status)) sink.end()
      }
      pool.on('status', listener)
      sink.send(submitted.status)
      return () => pool.off('status', listener)
    },
  })

  // payment (direct RPC; `tx.paymentInfo()` goes through state_call)
  method('payment_queryInfo', ([xt, at]) => {
    const fee = feeInfo(runtime, stateParam(chain, at), hexParam(xt, 'extrinsic'))
    // Crust's node (substrate 3.0) answers RuntimeDispatchInfo with a u64 weight, which is also how
    // @polkadot/api decodes this RPC (RuntimeDispatchInfoV1); the partial fee is a decimal string.
    return { weight: Number(fee.weight), class: fee.class.toLowerCase(), partialFee: fee.partialFee.toString() }
  })
  method('payment_queryFeeDetails', ([xt, at]) => {
    const fee = feeInfo(runtime, stateParam(chain, at), hexParam(xt, 'extrinsic'))
    const hex = (n: bigint) => `0x${n.toString(16)}`
    return {
      inclusionFee: fee.paysFee ? { baseFee: hex(fee.parts.baseFee), lenFee: hex(fee.parts.lengthFee), adjustedWeightFee: hex(fee.parts.weightFee) } : null,
    }
  })
}
