/**
 * The worker thread of {@link WorkerFileTee}: hashes a file's bytes as the upload streams them
 * ({@link FileHasher}), so the hashing runs beside the thread that drives the upload. Messages in:
 * the layout and size first, then chunks, then `finish`; out: `hashed` (bytes done, for
 * backpressure), then `done` with the hashes, or `failed` (the bytes do not fit the layout).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { FileHasher } from './file-hasher.js'
import type { FileDagLayout } from './layout.js'

export type HashWorkerInput = { chunk: Uint8Array } | { finish: true }
export type HashWorkerOutput = { hashed: number } | { done: ReturnType<FileHasher['finish']> } | { failed: string }

const port = parentPort
if (port !== null) {
  const { layout, size } = workerData as { layout: FileDagLayout; size: number }
  const hasher = new FileHasher(layout, size)
  let failed = false
  port.on('message', (msg: HashWorkerInput) => {
    if (failed) return
    try {
      if ('chunk' in msg) {
        hasher.update(msg.chunk)
        port.postMessage({ hashed: msg.chunk.length } satisfies HashWorkerOutput)
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
