/**
 * Entry of a seal worker thread of the software enclave: gets the sealing key at start
 * (`workerData`) and answers {@link SealWorkerRequest}s. The block comes in `input` and the sealed
 * record goes out in `output`, both buffers lent by the caller and transferred back with the
 * answer. Part of the enclave: the key stays inside the enclave's module.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { storageProof } from '@crust-ts/protocol'
import { type BlockSealJob, sealRecord } from './block-seal.js'

/** A job as posted to a seal worker: the block is the first `length` bytes of `input`. */
export interface SealWorkerRequest extends Omit<BlockSealJob, 'block'> {
  id: number
  input: ArrayBuffer
  length: number
  output: ArrayBuffer
}

/**
 * A seal worker's answer, with the lent buffers: the record (the first `recordLength` bytes of
 * `output`) and its leaf hash, `mismatch` when the block does not hash to its CID, or an error.
 */
export type SealWorkerReply = { id: number; input: ArrayBuffer; output: ArrayBuffer } & (
  | { recordLength: number; leaf: Uint8Array; contentSubtrees?: storageProof.ContentSubtrees }
  | { mismatch: true }
  | { error: string }
)

const key = (workerData as { key: Uint8Array }).key
const port = parentPort
if (port === null) throw new Error('seal-worker runs as a worker thread')
port.on('message', (job: SealWorkerRequest) => {
  const { id, input, output } = job
  let reply: SealWorkerReply
  try {
    const sealed = sealRecord(key, { ...job, block: new Uint8Array(input, 0, job.length) }, new Uint8Array(output))
    reply =
      sealed === undefined
        ? { id, input, output, mismatch: true }
        : {
            id,
            input,
            output,
            recordLength: sealed.record.length,
            leaf: sealed.leaf,
            ...(sealed.contentSubtrees === undefined ? {} : { contentSubtrees: sealed.contentSubtrees }),
          }
  } catch (err) {
    reply = { id, input, output, error: (err as Error).message }
  }
  port.postMessage(reply, [input, output])
})
