/**
 * @packageDocumentation
 *
 * The crust-ts SDK, the one client layer: transaction submission (`submit`, `sendTx`: sign, send,
 * wait for inclusion or finality, nonce-clash retry, typed dispatch errors) and a Kubo RPC client
 * (`createKuboClient`). On them: add a file or folder to IPFS, place a storage order for it on a
 * Crust chain, follow its replicas, top up its prepaid pool; accounts from dev URIs, mnemonics or
 * polkadot-js keystores.
 *
 * @example
 * ```ts
 * import { addToIpfs, connectChain, loadSigner, placeOrder, waitForReplicas } from '@crust-ts/sdk'
 *
 * const api = await connectChain('ws://127.0.0.1:9944')
 * const signer = await loadSigner({ suri: '//Alice' })
 * const { cid, cumulativeSize } = await addToIpfs('./site', { ipfsApi: 'http://127.0.0.1:5001' })
 * const order = await placeOrder(api, signer, { cid, size: cumulativeSize, memo: 'folder' })
 * const file = await waitForReplicas(api, cid, { replicas: 3 })
 * console.log(order.fee, file.expiredAt)
 * await api.disconnect()
 * ```
 */
export { formatCru, parseCru } from './amount.js'
export { connectChain, type ConnectChainErrorType, type ConnectChainOptions, type ConnectChainReturnType } from './chain.js'
export * from './constants.js'
export { KuboError, SdkError, type SdkErrorCode, TxDispatchError, TxRejectedError } from './errors.js'
export {
  addToIpfs,
  type AddProgress,
  type AddToIpfsErrorType,
  type AddToIpfsOptions,
  type AddToIpfsReturnType,
  contentSize,
  type IpfsEndpoint,
  ipfsError,
  statPath,
} from './ipfs.js'
export {
  type ChainContentRoot,
  type ChallengeCounters,
  type ChallengeFault,
  type ChallengeFaultKind,
  type FileChallengesOptions,
  type FileChallengesReturnType,
  fileChallenges,
  type OpenChallenge,
  type ReplicaChallenges,
} from './challenges.js'
export { type ContentRootErrorType, type ContentRootParameters, type ContentRootReturnType, dagContentRoot } from './content-root.js'
export { FILE_ROOT_HASHINGS, type FileRootHashing, hashesOnWorker } from './file-root/index.js'
export {
  assertFunds,
  maxFileSize,
  orderFee,
  type OrderFeeOptions,
  type OrderFeeReturnType,
  placeOrder,
  type PlaceOrderErrorType,
  type PlaceOrderParameters,
  type PlaceOrderReturnType,
} from './order.js'
export { type Holder, holdersOf, peerRecordOf } from './holders.js'
export { addPrepaid, type AddPrepaidErrorType, type AddPrepaidOptions, type AddPrepaidReturnType } from './prepaid.js'
export {
  decodeKeystore,
  encodeKeystore,
  type KeyringPair,
  type KeyringPair$Json,
  loadSigner,
  type LoadSignerErrorType,
  type LoadSignerParameters,
  type LoadSignerReturnType,
  pairFromSuri,
  parseKeystore,
  readKeystore,
  readPasswordFile,
} from './signer.js'
export {
  type FileInfo,
  orderStatus,
  type OrderStatusReturnType,
  type Replica,
  type ReplicaProgress,
  waitForReplicas,
  type WaitForReplicasErrorType,
  type WaitForReplicasOptions,
  type WaitForReplicasReturnType,
} from './status.js'
export {
  type AddedEntry,
  type AddPart,
  type BitswapStat,
  createKuboClient,
  type CreateKuboClientReturnType,
  type FilesStat,
  KUBO_NOT_PINNED,
  type KuboAddOptions,
  type KuboClient,
  type KuboClientInit,
  type KuboOptions,
  type PinAddOptions,
  type PinAddResult,
  type PinLsEntry,
  type PinLsOptions,
  type PinRmOptions,
  type RetrievalScore,
} from './kubo/index.js'
export {
  DEFAULT_NONCE_RETRIES,
  DEFAULT_NONCE_RETRY_DELAY_MS,
  dispatchErrorCode,
  dispatchErrorName,
  estimateTxFee,
  type Included,
  isNonceClash,
  paidBy,
  rpcErrorCode,
  type SendTxErrorType,
  type SendTxOptions,
  type SendTxReturnType,
  type SentTx,
  sendTx,
  type SubmitErrorType,
  type SubmitOptions,
  type SubmitReturnType,
  submit,
  TX_POOL_ERROR,
  type TxOutcome,
  usableBalance,
} from './tx/index.js'
export { assertCid, assertFileSize, formatBytes } from './validate.js'
