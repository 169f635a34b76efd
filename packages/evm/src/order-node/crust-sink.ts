/** {@link CrustSink} through the sdk: the order node's Crust account places orders; its IPFS node pins. */
import type { ApiPromise } from '@polkadot/api'
import { assertCid, assertFileSize, type KeyringPair, type KuboClient, maxFileSize, SdkError, submit, TxDispatchError } from '@crust-ts/sdk'
import { type CrustSink, PermanentOrderError, type PlacedLookup } from './seams.js'

/** Errors that sending the same order again would meet again (the funds can be topped up). */
const PERMANENT = new Set(['SDK_ERROR_BAD_CID', 'SDK_ERROR_BAD_SIZE', 'SDK_ERROR_FILE_TOO_LARGE', 'SDK_ERROR_TX_FAILED'])

type Num = { toNumber(): number }

export interface CrustSinkInit {
  api: ApiPromise
  signer: KeyringPair
  /** Pins ordered CIDs here when given. */
  ipfs?: KuboClient
  pinTimeoutMs?: number
  /** Tip of each order, in plancks. */
  tip?: bigint
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
    async place(record, nonce) {
      const tx = api.tx.market!.placeStorageOrder!(record.cid, BigInt(record.size), init.tip ?? 0n, '')
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
        const ext = block.block.extrinsics[index]!
        const args = ext.method.args
        const ours =
          ext.method.section === 'market' && ext.method.method === 'placeStorageOrder' && new TextDecoder().decode(args[0]!.toU8a(true)) === record.cid
        if (!ours) return { kind: 'other' }
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
