/** {@link CrustSink} through the sdk: the order node's Crust account places orders (with prepaid renewals for permanent ones); its IPFS node pins. */
import type { ApiPromise } from '@polkadot/api'
import { assertCid, assertFileSize, type KeyringPair, type KuboClient, maxFileSize, orderFee, SdkError, submit, TxDispatchError } from '@crust-ts/sdk'
import type { CrustFees } from './price-keeper.js'
import { type CrustSink, PermanentOrderError, type PlacedLookup } from './seams.js'

/** Errors that sending the same order again would meet again (the funds can be topped up). */
const PERMANENT = new Set(['SDK_ERROR_BAD_CID', 'SDK_ERROR_BAD_SIZE', 'SDK_ERROR_FILE_TOO_LARGE', 'SDK_ERROR_TX_FAILED'])

type Num = { toNumber(): number }

interface CallLike {
  section: string
  method: string
  args: ReadonlyArray<{ toU8a(isBare?: boolean): Uint8Array }>
}

/** The CID a call orders: `market.placeStorageOrder`, alone or first in a `utility.batchAll` (with its prepaid). */
function orderedCid(call: CallLike): string | undefined {
  if (call.section === 'market' && call.method === 'placeStorageOrder') return new TextDecoder().decode(call.args[0]!.toU8a(true))
  if (call.section === 'utility' && call.method === 'batchAll') {
    const first = (call.args[0] as unknown as CallLike[])[0]
    return first === undefined ? undefined : orderedCid(first)
  }
  return undefined
}

export interface CrustSinkInit {
  api: ApiPromise
  signer: KeyringPair
  /** Pins ordered CIDs here when given. */
  ipfs?: KuboClient
  pinTimeoutMs?: number
  /** Tip of each order, in plancks. */
  tip?: bigint
}

/** The Crust market's fees at the best block (what the order node keeps the price oracle in line with). */
export async function crustFees(api: ApiPromise): Promise<CrustFees> {
  const header = await api.rpc.chain.getHeader()
  const { baseFee, byteFee, keysCountFee } = await orderFee(api, 0n, { blockHash: header.hash.toHex() })
  return { baseFee, byteFee, keysCountFee, atBlock: header.number.toNumber() }
}

export function crustSink(init: CrustSinkInit): CrustSink {
  const { api, signer } = init
  const address = signer.address
  const sink: CrustSink = {
    async check(record) {
      try {
        assertCid(record.cid)
        assertFileSize(BigInt(record.size), maxFileSize(api))
      } catch (err) {
        if (err instanceof SdkError) throw new PermanentOrderError(err.code, err.message)
        throw err
      }
    },
    nextNonce: async () => ((await api.rpc.system.accountNextIndex(address)) as unknown as Num).toNumber(),
    chainNonce: async () => ((await api.query.system!.account!(address)) as unknown as { nonce: Num }).nonce.toNumber(),
    bestBlock: async () => (await api.rpc.chain.getHeader()).number.toNumber(),
    async renewalPrice(record) {
      const header = await api.rpc.chain.getHeader()
      const fee = await orderFee(api, BigInt(record.size), { blockHash: header.hash.toHex() })
      return { price: fee.total, atBlock: header.number.toNumber() }
    },
    async place(record, nonce) {
      const order = api.tx.market!.placeStorageOrder!(record.cid, BigInt(record.size), init.tip ?? 0n, '')
      const prepaid = BigInt(record.prepaid ?? 0)
      // One atomic transaction: the prepaid pool is filled exactly when the order is placed, under one nonce.
      const tx = prepaid > 0n ? api.tx.utility!.batchAll!([order, api.tx.market!.addPrepaid!(record.cid, prepaid)]) : order
      try {
        const included = await submit(api, tx, signer, { signOptions: { nonce } })
        return { blockHash: included.blockHash, blockNumber: included.blockNumber }
      } catch (err) {
        if (err instanceof TxDispatchError && PERMANENT.has(err.code)) throw new PermanentOrderError(err.code, `${err.error}: ${err.message}`)
        throw err
      }
    },
    async findPlaced(record, nonce, fromBlock) {
      const best = (await api.rpc.chain.getHeader()).number.toNumber()
      for (let n = fromBlock; n <= best; n++) {
        const hash = await api.rpc.chain.getBlockHash(n)
        const block = await api.rpc.chain.getBlock(hash)
        const index = block.block.extrinsics.findIndex((x) => x.isSigned && x.signer.toString() === address && x.nonce.toNumber() === nonce)
        if (index < 0) continue
        if (orderedCid(block.block.extrinsics[index]!.method) !== record.cid) return { kind: 'other' }
        const events = (await (
          await api.at(hash)
        ).query.system!.events!()) as unknown as Array<{
          phase: { isApplyExtrinsic: boolean; asApplyExtrinsic: Num }
          event: { section: string; method: string }
        }>
        const success = events.some(
          (e) =>
            e.phase.isApplyExtrinsic && e.phase.asApplyExtrinsic.toNumber() === index && e.event.section === 'system' && e.event.method === 'ExtrinsicSuccess',
        )
        return success ? { kind: 'ours', blockHash: hash.toHex(), blockNumber: n } : { kind: 'failed' }
      }
      return { kind: 'unknown' } satisfies PlacedLookup
    },
  }
  const ipfs = init.ipfs
  if (ipfs !== undefined) {
    sink.pin = async (cid) => {
      await ipfs.pin.add(cid, { signal: AbortSignal.timeout(init.pinTimeoutMs ?? 120_000) })
    }
  }
  return sink
}
