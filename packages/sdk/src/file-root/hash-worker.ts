/**
 * The worker thread of {@link WorkerFileTee}: hashes a file's bytes as the upload streams them
 * ({@link FilesHasher}), so the hashing runs beside the thread that drives the upload. Messages in:
 * the files' layouts and sizes first (worker data), then pieces at their offsets in the bytes sent
 * (the ones the upload's thread hashed itself are missing), then `finish`; out: `hashed` per piece
 * (so the tee knows how far behind the worker is, with the piece's buffer), then `done` with the
 * hashes of its pieces, or `failed` (the bytes do not fit the layout).
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { FILE_ROOT_WORKER_NICE } from './constants.js'
import { FilesHasher, type TeeFiles } from './file-hasher.js'
import type { HashedRun } from './run-hasher.js'

/** A piece of the bytes sent, at its offset in them (a leaf boundary), or the end. */
export type HashWorkerInput = { chunk: Uint8Array; from: number } | { finish: true }
/** The worker's hashes: its pieces' runs (by where each stretch of contiguous pieces starts) and its leaves' digests (the others are zero). */
export interface HashedPieces {
  bytes: number
  leafDigests: Uint8Array
  pieces: Array<{ from: number; runs: HashedRun[] }>
}
/** `hashed` comes with the chunk's buffer, sent back to hold a later piece. */
export type HashWorkerOutput = { hashed: number; buffer: ArrayBuffer } | { done: HashedPieces } | { failed: string }

/**
 * Lowers this thread's scheduling priority (Linux: `setpriority` takes a thread id, read from
 * /proc/thread-self), so the hashing runs on CPU time the upload leaves idle instead of taking
 * turns with the threads that feed the socket (and, on one machine, with the IPFS node that
 * imports): on two busy cores a worker at the same priority slowed the add itself. Starved (other
 * work takes every core), it falls behind and the upload's thread hashes the pieces it cannot take
 * ({@link FILE_ROOT_MAX_IN_FLIGHT}) at the upload's priority. Elsewhere it keeps the default priority.
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
  const done: HashedPieces = { bytes: 0, leafDigests: new Uint8Array(leaves * 32), pieces: [] }
  // One hasher per stretch of contiguous pieces (the pieces between were hashed by the upload's thread).
  let hasher: FilesHasher | undefined
  let next = 0
  const settle = () => {
    if (hasher === undefined) return
    const hashes = hasher.finish(false)
    done.bytes += hashes.bytes
    done.pieces.at(-1)!.runs = hashes.runs
    hasher = undefined
  }
  let failed = false
  port.on('message', (msg: HashWorkerInput) => {
    if (failed) return
    try {
      if ('chunk' in msg) {
        if (hasher === undefined || msg.from !== next) {
          settle()
          hasher = new FilesHasher(files, leaves, { from: msg.from, leafDigests: done.leafDigests })
          done.pieces.push({ from: msg.from, runs: [] })
        }
        // The chunk's buffer was transferred here and goes back only after: the hasher may borrow its bytes.
        hasher.update(msg.chunk, true)
        next = msg.from + msg.chunk.length
        const buffer = msg.chunk.buffer as ArrayBuffer
        port.postMessage({ hashed: msg.chunk.length, buffer } satisfies HashWorkerOutput, [buffer])
        return
      }
      settle()
      port.postMessage({ done } satisfies HashWorkerOutput, [done.leafDigests.buffer as ArrayBuffer])
    } catch (err) {
      failed = true
      port.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies HashWorkerOutput)
    }
  })
}
