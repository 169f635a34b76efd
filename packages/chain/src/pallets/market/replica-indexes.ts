/**
 * The two lists an added replica goes into besides its file: its sWorker's file list
 * (anchor-files.ts) and the ripening queue (ripening-queue.ts). Both are paged `Vec`s, so one
 * append copies a page; a work report adds up to 300 replicas, and writing them one by one was
 * about a third of its cost. {@link ReplicaIndexBatch} collects a report's additions and writes
 * each page once, with the same stored bytes.
 */
import type { StorageAccess } from '../../frame/storage.js'
import { trackReplica, trackReplicas } from './anchor-files.js'
import { queueRipening, queueRipenings, type RipeningEntry } from './ripening-queue.js'

/** Where an added replica is recorded. */
export interface ReplicaIndexes {
  /** Sworker `anchor` holds a new replica of `cid`, added at block `createdAt`. */
  replicaAdded(anchor: Uint8Array, cid: Uint8Array, createdAt: number): void
}

/** Records each added replica at once. */
export function writeReplicaIndexes(state: StorageAccess): ReplicaIndexes {
  return {
    replicaAdded(anchor, cid, createdAt) {
      trackReplica(state, anchor, cid)
      queueRipening(state, cid, createdAt)
    },
  }
}

/**
 * Records added replicas when flushed. Until then the file lists and the ripening queue miss them,
 * so nothing may read those (removing a replica does, the ripening sweep does) before
 * {@link flush}; adding replicas reads neither, so a report's adds can share a batch.
 */
export class ReplicaIndexBatch implements ReplicaIndexes {
  /** Files per anchor (by hex), in the order they were added. */
  private readonly byAnchor = new Map<string, { anchor: Uint8Array; cids: Uint8Array[] }>()
  /** Every added file, in order (files of different blocks may share a queue slot). */
  private readonly ripening: RipeningEntry[] = []
  /** The list of the last anchor seen: a report's adds all pass the same anchor array, so it is found without its hex. */
  private last: { anchor: Uint8Array; cids: Uint8Array[] } | undefined

  replicaAdded(anchor: Uint8Array, cid: Uint8Array, createdAt: number): void {
    let files = this.last?.anchor === anchor ? this.last : undefined
    if (files === undefined) {
      const anchorKey = Buffer.from(anchor.buffer, anchor.byteOffset, anchor.byteLength).toString('hex')
      files = this.byAnchor.get(anchorKey)
      if (files === undefined) this.byAnchor.set(anchorKey, (files = { anchor, cids: [] }))
      this.last = files
    }
    files.cids.push(cid)
    this.ripening.push({ cid, createdAt })
  }

  /** Writes and forgets what was collected. */
  flush(state: StorageAccess): void {
    for (const { anchor, cids } of this.byAnchor.values()) trackReplicas(state, anchor, cids)
    queueRipenings(state, this.ripening)
    this.byAnchor.clear()
    this.ripening.length = 0
    this.last = undefined
  }
}
