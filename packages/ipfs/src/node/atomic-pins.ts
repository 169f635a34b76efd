import * as dagCbor from '@ipld/dag-cbor'
import type {
  AddOptions,
  AddPinEvents,
  GraphWalker,
  GraphWalkerComponents,
  GraphWalkerFactory,
  IsPinnedOptions,
  LsOptions,
  Pin,
  Pins,
  RmOptions,
  WalkOptions,
} from '@helia/interface'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { iterateWithin, type LmdbDatastore } from '../store/index.js'
import { PINNED_BLOCK_PREFIX } from './constants.js'
import { prefetchingWalker } from './graph-walker.js'
import type { PinLock } from './pin-lock.js'

type Metadata = Record<string, string | number | boolean>

/** Helia's per-block pin record: the pins that protect the block, and their number. */
interface PinnedBlock {
  pinCount: number
  pinnedBy: Uint8Array[]
}

/** A walker that visits nothing: lets Helia's `add`/`rm` do their checks and pin record only. */
const NO_WALK: GraphWalkerFactory = (): GraphWalker => ({
  async *walk() {},
})

/** The key of a block's pin record, as Helia's `PinsImpl` writes it. */
function pinnedBlockKey(cid: CID): Key {
  return new Key(`${PINNED_BLOCK_PREFIX}${base36.encode(cid.multihash.bytes)}`)
}

/** The identity of a pin in `pinnedBy`: the pinned CID as CIDv1 bytes (Helia keys pins by CIDv1). */
function pinIdentity(bytes: Uint8Array): string {
  try {
    return CID.decode(bytes).toV1().toString()
  } catch {
    return Buffer.from(bytes).toString('hex')
  }
}

function decodeRecord(bytes: Uint8Array): PinnedBlock {
  const value = dagCbor.decode<Partial<PinnedBlock>>(bytes)
  const pinnedBy = Array.isArray(value.pinnedBy) ? value.pinnedBy.filter((b) => b instanceof Uint8Array) : []
  return { pinCount: typeof value.pinCount === 'number' ? value.pinCount : pinnedBy.length, pinnedBy }
}

/**
 * Walk options that keep a walk within `depth` even if the walker ignores `depth`: the children of a
 * block at `depth` are refused through `includeChild` (which Helia's walkers ask before descending),
 * on top of the caller's own `includeChild`.
 */
function withinDepth<T>(options: WalkOptions<T>, root: CID, depth: number): WalkOptions<T> {
  if (!Number.isFinite(depth)) return { ...options, depth }
  const keyOf = (cid: CID): string => cid.multihash.bytes.toString()
  const depths = new Map<string, number>([[keyOf(root), 0]])
  return {
    ...options,
    depth,
    includeChild: (child, parent) => {
      const parentDepth = depths.get(keyOf(parent.cid)) ?? 0
      if (parentDepth >= depth) return false
      if (options.includeChild?.(child, parent) === false) return false
      const key = keyOf(child)
      depths.set(key, Math.min(depths.get(key) ?? Number.POSITIVE_INFINITY, parentDepth + 1))
      return true
    },
  }
}

async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) {
    // consume
  }
}

/**
 * Helia's pins made correct, crash-safe and GC-safe. Helia's `PinsImpl` keeps a pin record
 * (`/pin/<cid>`: depth, metadata) and per-block records (`/pinned-block/<multihash>`: which pins
 * protect the block, and how many); `isPinned`, hence Helia's GC, asks whether a block's record
 * exists. Its per-block bookkeeping loses protection: `rm` keeps exactly the wrong entries of a
 * block's `pinnedBy` (those equal to the pin being removed), so a later re-pin of that CID finds
 * itself listed and does not count, and the next unpin of a pin sharing the block deletes the
 * record; `rm` also counts a block down once per visit, so a walker that visits a block once per
 * link to it (Helia's default) unprotects blocks other pins share; and what is pinned is whatever
 * the walker visits, even past the pin's depth. Here:
 * - Helia's `PinsImpl` still writes and deletes the pin record (its checks, its encoding) and
 *   answers `ls`, `get`, `isPinned`, `setMetadata`; the per-block records are written here, in
 *   Helia's layout: a pin is added to or removed from a block's `pinnedBy` (idempotently, so repeated
 *   visits change nothing), `pinCount` is the length of that list, and the record is deleted when
 *   the list is empty; blocks a walker reports deeper than the pin's depth are ignored;
 * - `add` and `rm` run inside an atomic datastore scope, so the per-block records and the pin
 *   record are written in one LMDB transaction when the walk completes: after a crash a pin is
 *   either fully there or not at all;
 * - they hold the pin lock shared, so GC never deletes blocks of a DAG being pinned;
 * - they run one at a time, so two pins sharing blocks never lose an update of a block's record;
 * - they walk the DAG with {@link prefetchingWalker} (blocks read ahead, in a bounded window) unless told otherwise (Helia's default walker
 *   turns a failed block fetch into an unhandled rejection).
 */
export class AtomicPins implements Pins {
  private tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly inner: Pins,
    private readonly datastore: LmdbDatastore,
    private readonly lock: PinLock,
    private readonly components: GraphWalkerComponents,
  ) {}

  add(cid: CID, options: AddOptions = {}): AsyncGenerator<CID, void, undefined> {
    return this.atomically(() => this.addSteps(cid, options))
  }

  rm(cid: CID, options: RmOptions = {}): AsyncGenerator<CID, void, undefined> {
    return this.atomically(() => this.rmSteps(cid, options))
  }

  ls(options?: LsOptions): AsyncGenerator<Pin, void, undefined> {
    return this.inner.ls(options)
  }

  get(cid: CID, options?: { signal?: AbortSignal }): Promise<Pin> {
    return this.inner.get(cid, options)
  }

  isPinned(cid: CID, options?: IsPinnedOptions): Promise<boolean> {
    return this.inner.isPinned(cid, options)
  }

  setMetadata(cid: CID, metadata: Metadata | undefined, options?: { signal?: AbortSignal }): Promise<void> {
    return this.inner.setMetadata(cid, metadata, options)
  }

  private async *addSteps(cid: CID, options: AddOptions): AsyncGenerator<CID> {
    // Helia's checks (already pinned, depth) and its pin record
    await drain(this.inner.add(cid, { ...options, walker: NO_WALK }))
    const depth = Math.round(options.depth ?? Number.POSITIVE_INFINITY)
    const pin = pinIdentity(cid.bytes)
    const walker = (options.walker ?? prefetchingWalker())(this.components)
    for await (const node of walker.walk(cid, withinDepth(options, cid, depth))) {
      if (node.depth > depth) continue
      const block = node.block.cid
      const changed = await this.updateBlock(block, options, (pinnedBy) =>
        pinnedBy.some((b) => pinIdentity(b) === pin) ? pinnedBy : [...pinnedBy, cid.toV1().bytes],
      )
      if (changed) options.onProgress?.({ type: 'helia:pin:add', detail: block } as AddPinEvents)
      yield block
    }
  }

  private async *rmSteps(cid: CID, options: RmOptions): AsyncGenerator<CID> {
    const { depth } = await this.inner.get(cid, options)
    // Helia's pin record goes
    await drain(this.inner.rm(cid, { ...options, walker: NO_WALK }))
    const pin = pinIdentity(cid.bytes)
    const walker = (options.walker ?? prefetchingWalker())(this.components)
    for await (const node of walker.walk(cid, withinDepth(options, cid, depth))) {
      if (node.depth > depth) continue
      const block = node.block.cid
      await this.updateBlock(block, options, (pinnedBy) => pinnedBy.filter((b) => pinIdentity(b) !== pin))
      yield block
    }
  }

  /**
   * Rewrites the record of `block` with `pinnedBy` changed by `change`: `pinCount` is the length of
   * the list and an empty list deletes the record. Returns whether the record changed.
   */
  private async updateBlock(block: CID, options: { signal?: AbortSignal }, change: (pinnedBy: Uint8Array[]) => Uint8Array[]): Promise<boolean> {
    const key = pinnedBlockKey(block)
    let record: PinnedBlock | undefined
    try {
      record = decodeRecord(await this.datastore.get(key, options))
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err
    }
    const before = record?.pinnedBy ?? []
    const pinnedBy = change(before)
    if (record !== undefined && pinnedBy.length === before.length && record.pinCount === before.length) return false
    if (pinnedBy.length === 0) {
      if (record === undefined) return false
      await this.datastore.delete(key, options)
    } else {
      await this.datastore.put(key, dagCbor.encode<PinnedBlock>({ pinCount: pinnedBy.length, pinnedBy }), options)
    }
    return true
  }

  private async *atomically(make: () => AsyncGenerator<CID, void, undefined>): AsyncGenerator<CID, void, undefined> {
    const previous = this.tail
    let done!: () => void
    this.tail = new Promise((resolve) => {
      done = resolve
    })
    try {
      await previous
      const datastore = this.datastore
      const scope = datastore.openScope()
      // commit while still holding the lock: until then GC sees the blocks as unpinned
      yield* this.lock.iterateShared(async function* () {
        yield* iterateWithin((fn) => datastore.runInScope(scope, fn), make)
        await datastore.commitScope(scope)
      })
    } finally {
      done()
    }
  }
}
