import type { AddOptions } from '@helia/unixfs'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { ADD_BLOCK_WRITE_CONCURRENCY, KUBO_CHUNK_SIZE, KUBO_MAX_LINKS, KUBO_SHARD_FANOUT_BITS, KUBO_SHARD_THRESHOLD_BYTES } from './constants.js'
import { fastLeafImporter, type FramedChunks, framedChunker } from './leaf-importer.js'

/** The `ipfs add` flags that change CIDs, as Kubo names them. */
export interface KuboAddFlags {
  /** `--cid-version`; default 0. */
  cidVersion?: 0 | 1
  /** `--raw-leaves`; default false for CIDv0 and true for CIDv1 (Kubo: CIDv1 implies raw leaves). */
  rawLeaves?: boolean
  /** `--chunker=size-N`; default 262144. */
  chunkSize?: number
  /** `--max-file-links`; default 174. */
  maxChildrenPerNode?: number
  /** `--wrap-with-directory`; default false. */
  wrapWithDirectory?: boolean
  /** Import progress (pass it here, not beside: the leaf stage reports its writes through it). */
  onProgress?: AddOptions['onProgress']
}

/** What {@link kuboAddOptions} returns: add options with the CID version and leaf kind settled. */
export type KuboAddOptions = AddOptions & { cidVersion: 0 | 1; rawLeaves: boolean }

/**
 * Importer options that produce the CIDs Kubo produces for the same bytes and flags: fixed-size
 * 256 KiB chunks, balanced layout with at most 174 links per node, CIDv0 with dag-pb leaves by
 * default, raw leaves with CIDv1, a single-chunk file reduced to its leaf, and HAMT sharding of
 * directories over 256 KiB estimated from links (Kubo's `unixfs-v0-2015` profile, its default).
 * `@helia/unixfs` defaults to different (Filecoin-style) settings, so pass these to every add
 * that must match Kubo (the Kubo RPC API's `add` takes them from here too). Three settings only make it faster (no effect on CIDs): the importer's
 * write concurrency is raised to {@link ADD_BLOCK_WRITE_CONCURRENCY}, chunks are cut by
 * {@link framedChunker} and leaves are encoded around them by {@link fastLeafImporter}.
 */
export function kuboAddOptions(flags: KuboAddFlags = {}): KuboAddOptions {
  const cidVersion = flags.cidVersion ?? 0
  const rawLeaves = flags.rawLeaves ?? cidVersion === 1
  const onProgress = flags.onProgress
  const framed: FramedChunks = new WeakSet()
  return {
    cidVersion,
    rawLeaves,
    chunker: framedChunker(flags.chunkSize ?? KUBO_CHUNK_SIZE, framed),
    layout: balanced({ maxChildrenPerNode: flags.maxChildrenPerNode ?? KUBO_MAX_LINKS }),
    reduceSingleLeafToSelf: true,
    leafType: 'file',
    shardSplitThresholdBytes: KUBO_SHARD_THRESHOLD_BYTES,
    shardSplitStrategy: 'links-bytes',
    shardFanoutBits: KUBO_SHARD_FANOUT_BITS,
    wrapWithDirectory: flags.wrapWithDirectory ?? false,
    blockWriteConcurrency: ADD_BLOCK_WRITE_CONCURRENCY,
    bufferImporter: fastLeafImporter({ cidVersion, rawLeaves, framed, ...(onProgress === undefined ? {} : { onProgress }) }),
    ...(onProgress === undefined ? {} : { onProgress }),
  }
}
