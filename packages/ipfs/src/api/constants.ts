/** Constants of the Kubo-compatible RPC API (names and values as Kubo and go-ipfs-cmds use them). */

/** Path prefix of every command. */
export const API_PREFIX = '/api/v0'

/** Trailer carrying an error that happened after the response started. */
export const STREAM_ERROR_HEADER = 'X-Stream-Error'
/** Set on responses that stream raw bytes (`cat`, `get`, `block/get`, `dag/export`). */
export const STREAM_OUTPUT_HEADER = 'X-Stream-Output'
/** Set on responses that stream NDJSON values. */
export const CHUNKED_OUTPUT_HEADER = 'X-Chunked-Output'
/** Announced size of a streamed body. */
export const CONTENT_LENGTH_HEADER = 'X-Content-Length'
/** Headers go-ipfs-cmds lists in `Access-Control-Allow-Headers` and `Access-Control-Expose-Headers`. */
export const EXPOSED_HEADERS = `${STREAM_OUTPUT_HEADER}, ${CHUNKED_OUTPUT_HEADER}, ${CONTENT_LENGTH_HEADER}`

/** go-ipfs-cmds error codes (`cmds.ErrorType`). */
export const ERR_NORMAL = 0
export const ERR_CLIENT = 1
export const ERR_IMPLEMENTATION = 2
export const ERR_RATE_LIMITED = 3
export const ERR_FORBIDDEN = 4

/** Kubo's messages for requests rejected before a command runs (plain text, as Go's `http.Error`). */
export const NOT_FOUND_TEXT = '404 page not found'
export const METHOD_NOT_ALLOWED_TEXT = '405 - Method Not Allowed'
export const FORBIDDEN_TEXT = '403 - Forbidden'
export const ALLOW_HEADER_VALUE = 'OPTIONS, POST'

/** boxo `chunk.ChunkSizeLimit`: 2 MiB block limit minus 256 bytes of framing. */
export const MAX_CHUNK_SIZE = 2 * 1024 * 1024 - 256
/* Kubo's `ipfs add` settings (chunk size, links per node, HAMT sharding) are `kuboAddOptions`'s, in node/. */
/**
 * Blocks `add` hashes and writes concurrently. Lower than the node's own adds: an upload streams
 * from a socket, and its leaves must reach the store in small batches (a `repo gc` or an aborted
 * request meets them there) rather than wait for a batch of 64.
 */
export const ADD_BLOCK_WRITE_CONCURRENCY = 16
/**
 * Sibling blocks `cat` requests ahead of the one it sends. A file the node does not hold is pulled
 * as it is read, one round trip and one store commit per window of blocks: the gateway's 8 (its
 * bound per public request) held a pull through the API to the pace of that window, where a pin
 * reads 64 ahead. The API is local (it binds to 127.0.0.1 and has no authentication), so a
 * request may hold this many blocks (16 MiB of 256 KiB leaves).
 */
export const API_FILE_PREFETCH_BLOCKS = 64
/** Kubo's add emits a progress event each time this many more bytes of a file were read. */
export const PROGRESS_INCREMENT = 262144
/** Blocks larger than this are refused unless `allow-big-block` is set (bitswap limit). */
export const SOFT_BLOCK_LIMIT = 2 * 1024 * 1024
/**
 * Blocks larger than this are refused even with `allow-big-block`, before they are buffered: no
 * request holds more than one such block in memory. 8 MiB is go-car's default largest CAR section
 * (what Kubo's own `dag import` reads) and twice libp2p's 4 MiB message cap, past which no peer
 * could fetch the block over bitswap anyway.
 */
export const HARD_BLOCK_LIMIT = 8 * 1024 * 1024

/** Version information reported by `version` and `id`. */
export const API_VERSION = '0.1.0'
export const AGENT_VERSION = `crust-ts/${API_VERSION}`
/** Kubo's `ipfs repo stat` version string of the fs-repo format it mimics. */
export const REPO_VERSION = '16'

/** Default limits of the HTTP server. */
export const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024 * 1024
/** Upper bound for a multipart part that is not a file (buffered in memory by busboy). */
export const MAX_FIELD_BYTES = 1024 * 1024
/** How long `stop()` lets in-flight requests finish before closing their sockets, in ms. */
export const DEFAULT_STOP_GRACE_MS = 1000
/** After an early error, up to this many request-body bytes are read and discarded so the client sees the answer. */
export const DRAIN_LIMIT_BYTES = 4 * 1024 * 1024
/** How long a connection answered early may linger (half-closed) for the client to read the answer. */
export const LINGER_GRACE_MS = 5000
