/** Constants of the path and trustless gateway. Defaults live here, never inline in logic. */

/** Default TCP port of the gateway (Kubo's). */
export const DEFAULT_GATEWAY_PORT = 8080
/** Default bind address: loopback only. */
export const DEFAULT_GATEWAY_HOST = '127.0.0.1'
/** Largest request head (request line plus headers) accepted; larger ones get 431. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024

/** `Cache-Control` of every immutable `/ipfs/` response (path gateway spec). */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable'
/**
 * `Cache-Control` of a generated directory listing: its HTML changes between gateway versions, so
 * even an immutable directory gets a bounded lifetime (as boxo does).
 */
export const DIR_LISTING_CACHE_CONTROL = 'public, max-age=604800, stale-while-revalidate=2678400'
/** Bumped whenever the generated listing HTML changes; part of the listing's ETag. */
export const DIR_LISTING_VERSION = 'crust-1'
/** `Retry-After` (seconds) sent with 502 and 504 answers. */
export const RETRY_AFTER_SECONDS = 30

/** Bytes read from the start of a file to guess its type when its name has no known extension. */
export const SNIFF_BYTES = 512
/**
 * Blocks fetched ahead of the one being sent (file siblings, next CAR blocks): overlaps network
 * round trips while bounding the memory a slow client can pin (this many blocks per DAG level).
 */
export const FILE_PREFETCH_BLOCKS = 8

/**
 * Bytes an HTTP answer may hold in its send buffer before the reader waits (the API's and the
 * gateway's servers). Node's default (64 KiB) is a quarter of one block: every block written then
 * waited for the socket to empty, so the client sat idle while the next block was read and decoded.
 */
export const RESPONSE_BUFFER_BYTES = 2 * 1024 * 1024
/** Most byte ranges honoured in one `Range` header; beyond that the header is ignored (200). */
export const MAX_RANGES = 32

export const CONTENT_TYPE_RAW = 'application/vnd.ipld.raw'
export const CONTENT_TYPE_CAR = 'application/vnd.ipld.car'
export const CONTENT_TYPE_TAR = 'application/x-tar'
export const CONTENT_TYPE_DAG_JSON = 'application/vnd.ipld.dag-json'
export const CONTENT_TYPE_DAG_CBOR = 'application/vnd.ipld.dag-cbor'
export const CONTENT_TYPE_JSON = 'application/json'
export const CONTENT_TYPE_CBOR = 'application/cbor'
export const CONTENT_TYPE_IPNS_RECORD = 'application/vnd.ipfs.ipns-record'
export const CONTENT_TYPE_HTML = 'text/html; charset=utf-8'
export const CONTENT_TYPE_TEXT = 'text/plain; charset=utf-8'
export const CONTENT_TYPE_OCTETS = 'application/octet-stream'

/** Multicodec codes the gateway knows. */
export const CODEC_RAW = 0x55
export const CODEC_DAG_PB = 0x70
export const CODEC_DAG_CBOR = 0x71
export const CODEC_CBOR = 0x51
export const CODEC_LIBP2P_KEY = 0x72
export const CODEC_DAG_JSON = 0x0129
export const CODEC_JSON = 0x0200
/** Multihash code of the identity "hash" (the data is inlined in the CID). */
export const MULTIHASH_IDENTITY = 0x00

/** Headers sent on every answer so that web pages on other origins can read IPFS content. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Range, User-Agent, X-Requested-With, If-None-Match, Cache-Control',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Content-Type, ETag, X-Ipfs-Path, X-Ipfs-Roots, X-Stream-Error',
}
