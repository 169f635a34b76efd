/** Kubo's default chunk size (`--chunker=size-262144`). */
export const KUBO_CHUNK_SIZE = 262144
/** Kubo's default most links per UnixFS file node (balanced layout). */
export const KUBO_MAX_LINKS = 174
/** The sha2-256 multihash code. */
export const SHA2_256_CODE = 0x12
/** Below this file size the root is hashed on the calling thread (a worker costs more to start than the hashing). */
export const FILE_ROOT_WORKER_MIN_BYTES = 8 * 1024 * 1024
/** Most bytes handed to the hashing worker and not yet hashed; the upload waits beyond it (bounded memory). */
export const FILE_ROOT_MAX_IN_FLIGHT = 16 * 1024 * 1024
/**
 * Bytes the tee gathers before it hands them to the hashing worker (in a buffer the worker sends
 * back with its ack, so the buffers are reused): one message each way per MiB instead of per read
 * (64 KiB), and no new ArrayBuffer per read. A message and its ack cost the worker about as much as
 * hashing 50 KiB, and every transferred buffer is external memory the collector has to account for.
 */
export const FILE_ROOT_BATCH_BYTES = 1024 * 1024
/** The hashing worker's nice value: the lowest priority, so it runs on time the upload leaves idle. */
export const FILE_ROOT_WORKER_NICE = 19
