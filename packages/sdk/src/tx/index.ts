export { estimateTxFee, paidBy, usableBalance } from './balance.js'
export { DEFAULT_NONCE_RETRIES, DEFAULT_NONCE_RETRY_DELAY_MS, TX_POOL_ERROR } from './constants.js'
export {
  dispatchErrorName,
  poolRejection,
  rpcErrorCode,
  type SendTxErrorType,
  type SendTxOptions,
  type SendTxReturnType,
  type SentTx,
  sendTx,
  type TxOutcome,
} from './send.js'
export {
  dispatchError,
  dispatchErrorCode,
  type Included,
  isNonceClash,
  type SubmitErrorType,
  type SubmitOptions,
  type SubmitReturnType,
  submit,
} from './submit.js'
