export type { AddedEntry, AddPart, KuboAddOptions } from './add.js'
export {
  type BitswapStat,
  createKuboClient,
  type CreateKuboClientReturnType,
  type FilesStat,
  type KuboClient,
  type KuboClientInit,
  type KuboOptions,
  type PinAddOptions,
  type PinAddResult,
  type PinLsEntry,
  type PinLsOptions,
  type PinRmOptions,
  type RetrievalScore,
} from './client.js'
export { KUBO_NOT_PINNED } from './constants.js'
