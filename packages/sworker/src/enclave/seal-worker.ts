/**
 * Entry of a seal worker thread of the software enclave: gets the sealing key at start
 * (`workerData`) and answers {@link BlockSealJob}s with sealed records. Part of the enclave: the key
 * stays inside the enclave's module.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { type BlockSealJob, sealRecord } from './block-seal.js'

/** A job as posted to a seal worker. */
export interface SealWorkerRequest extends BlockSealJob {
  id: number
}

/** A seal worker's answer: the record, `mismatch` when the block does not hash to its CID, or an error message. */
export type SealWorkerReply =
  | { id: number; record: Uint8Array; leaf: Uint8Array }
  | { id: number; mismatch: true }
  | { id: number; error: string }

const key = (workerData as { key: Uint8Array }).key
const port = parentPort
if (port === null) throw new Error('seal-worker runs as a worker thread')
port.on('message', (job: SealWorkerRequest) => {
  let reply: SealWorkerReply
  try {
    const sealed = sealRecord(key, job)
    reply = sealed === undefined ? { id: job.id, mismatch: true } : { id: job.id, ...sealed }
  } catch (err) {
    reply = { id: job.id, error: (err as Error).message }
  }
  port.postMessage(reply, 'record' in reply ? [reply.record.buffer as ArrayBuffer] : [])
})
