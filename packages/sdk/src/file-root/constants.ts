/** Kubo's default chunk size (`--chunker=size-262144`). */
export const KUBO_CHUNK_SIZE = 262144
/** Kubo's default most links per UnixFS file node (balanced layout). */
export const KUBO_MAX_LINKS = 174
/** The sha2-256 multihash code. */
export const SHA2_256_CODE = 0x12
/** Below this file size the root is hashed on the calling thread (a worker costs more to start than the hashing). */
export const FILE_ROOT_WORKER_MIN_BYTES = 8 * 1024 * 1024
/**
 * Fewest cores (`os.availableParallelism()`) on which large files are hashed on a worker. With fewer,
 * the upload's thread hashes them: beside a local IPFS node on 2 cores it mostly waits for the
 * socket, and a third thread cost the add more than it saved (`bench/upload-root.ts`, both ways in
 * the same rounds; see the sdk README).
 */
export const FILE_ROOT_WORKER_MIN_CORES = 3
/**
 * Most bytes the hashing worker may have queued when the next piece is cut; beyond it the upload's
 * thread hashes that piece itself. The worker runs at the lowest priority, so on a machine with no
 * idle time it gets almost none: waiting for it (as the tee once did, up to 16 MiB behind) stalled
 * the upload for as long as other work kept both cores busy. The worker holds at most two pieces,
 * so the add waits for at most that much hashing after its last byte.
 */
export const FILE_ROOT_MAX_IN_FLIGHT = 1024 * 1024
/**
 * Bytes the tee gathers into a piece (cut at a leaf boundary) before it hands them to the hashing
 * worker (in a buffer the worker sends back with its ack, so the buffers are reused): one message each way per MiB instead of per read
 * (64 KiB), and no new ArrayBuffer per read. A message and its ack cost the worker about as much as
 * hashing 50 KiB, and every transferred buffer is external memory the collector has to account for.
 */
export const FILE_ROOT_BATCH_BYTES = 1024 * 1024
/** The hashing worker's nice value: the lowest priority, so it runs on time the upload leaves idle. */
export const FILE_ROOT_WORKER_NICE = 19
