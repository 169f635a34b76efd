/**
 * The worker thread of {@link WorkerFileTee}: hashes a file's bytes as the upload streams them
 * ({@link FilesHasher}), so the hashing runs beside the thread that drives the upload. Messages in:
 * the files' layouts and sizes first (worker data), then chunks, then `finish`; out: `hashed` (bytes done, for
 * backpressure, with the chunk's buffer), then `done` with the hashes, or `failed` (the bytes do not fit the layout).
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { FILE_ROOT_WORKER_NICE } from './constants.js'
import { FilesHasher, type TeeFiles } from './file-hasher.js'

export type HashWorkerInput = { chunk: Uint8Array } | { finish: true }
/** `hashed` comes with the chunk's buffer, sent back to hold a later batch. */
export type HashWorkerOutput = { hashed: number; buffer: ArrayBuffer } | { done: ReturnType<FilesHasher['finish']> } | { failed: string }

/**
 * Lowers this thread's scheduling priority (Linux: `setpriority` takes a thread id, read from
 * /proc/thread-self), so the hashing runs on CPU time the upload leaves idle instead of taking
 * turns with the threads that feed the socket (and, on one machine, with the IPFS node that
 * imports): on two busy cores a worker at the same priority slowed the add itself. Starved for
 * long, it only holds the upload back ({@link FILE_ROOT_MAX_IN_FLIGHT}), which idles the other
 * threads and lets it run. Elsewhere it keeps the default priority.
 */
function yieldToUpload(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1))
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, FILE_ROOT_WORKER_NICE)
  } catch {
    // no /proc/thread-self (not Linux) or not allowed: hash at the default priority
  }
}

const port = parentPort
if (port !== null) {
  yieldToUpload()
  const { files, leaves } = workerData as TeeFiles
  const hasher = new FilesHasher(files, leaves)
  let failed = false
  port.on('message', (msg: HashWorkerInput) => {
    if (failed) return
    try {
      if ('chunk' in msg) {
        // The chunk's buffer was transferred here and goes back only after: the hasher may borrow its bytes.
        hasher.update(msg.chunk, true)
        const buffer = msg.chunk.buffer as ArrayBuffer
        port.postMessage({ hashed: msg.chunk.length, buffer } satisfies HashWorkerOutput, [buffer])
        return
      }
      const done = hasher.finish()
      port.postMessage({ done } satisfies HashWorkerOutput, [done.leafDigests.buffer as ArrayBuffer])
    } catch (err) {
      failed = true
      port.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies HashWorkerOutput)
    }
  })
}
