import type { AddOptions, IsPinnedOptions, LsOptions, Pin, Pins, RmOptions } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import { iterateWithin, type LmdbDatastore } from '../store/index.js'
import { sequentialWalker } from './graph-walker.js'
import type { PinLock } from './pin-lock.js'

type Metadata = Record<string, string | number | boolean>

/**
 * Helia's pins (its `PinsImpl`, its datastore records and graph walk) made crash-safe and GC-safe:
 * - `add` and `rm` run inside an atomic datastore scope, so the per-block records and the pin
 *   record are written in one LMDB transaction when the walk completes: after a crash a pin is
 *   either fully there or not at all (Helia alone writes one record per block, so a crash mid-pin
 *   would leave blocks protected by a pin that does not exist);
 * - they hold the pin lock shared, so GC never deletes blocks of a DAG being pinned;
 * - they run one at a time, so two pins sharing blocks never lose an update of a block's count;
 * - they walk the DAG with {@link sequentialWalker} unless told otherwise (Helia's default walker
 *   turns a failed block fetch into an unhandled rejection).
 * Reads (`ls`, `get`, `isPinned`) go straight to Helia's pins.
 */
export class AtomicPins implements Pins {
  private tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly inner: Pins,
    private readonly datastore: LmdbDatastore,
    private readonly lock: PinLock,
  ) {}

  add(cid: CID, options?: AddOptions): AsyncGenerator<CID, void, undefined> {
    return this.atomically(() => this.inner.add(cid, { ...options, walker: options?.walker ?? sequentialWalker() }))
  }

  rm(cid: CID, options?: RmOptions): AsyncGenerator<CID, void, undefined> {
    return this.atomically(() => this.inner.rm(cid, { ...options, walker: options?.walker ?? sequentialWalker() }))
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
