/**
 * A signature worker thread: checks the batches {@link SignatureWorkers} posts and answers one byte
 * per check (1 valid, 0 not). It holds no key and no state: a wrong answer could only make the
 * node check a transaction again on its own thread (a failure is never cached).
 */
import { parentPort } from 'node:worker_threads'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { type SignatureCheck, verifySignature } from './signature-check.js'

export interface SignatureWorkerRequest {
  id: number
  checks: Array<SignatureCheck & { payload: Uint8Array }>
}

/** The answer to a request, or (once, first) that the worker can take requests. */
export type SignatureWorkerReply = { id: number; valid: Uint8Array } | { ready: true }

await cryptoWaitReady()
parentPort!.postMessage({ ready: true } satisfies SignatureWorkerReply)
parentPort!.on('message', (request: SignatureWorkerRequest) => {
  const valid = new Uint8Array(request.checks.length)
  for (let i = 0; i < request.checks.length; i++) {
    const check = request.checks[i]!
    valid[i] = verifySignature(check, check.payload) ? 1 : 0
  }
  parentPort!.postMessage({ id: request.id, valid } satisfies SignatureWorkerReply, [valid.buffer])
})
