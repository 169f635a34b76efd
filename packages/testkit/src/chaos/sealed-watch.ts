/**
 * Two of a chaos run's storage invariants, from each storage node's sWorker (its
 * `file/info_by_type`): no sealed file is lost (a file a node once reported valid stays valid
 * there, through kills, cuts and a full disk), and a restarted storage node does not pull again
 * what it had sealed (a file sealed anew gets the block number of its new sealing: `c_block_num`
 * must never change). A file whose order ended (the chain closed it: it ran its course, or was
 * closed while its owner re-orders it) is deleted by its nodes, as it should be, and a new order
 * seals it anew: neither is a loss or a pull again, and the watch learns its new sealing afresh.
 */
export interface SealedFile {
  /** `valid`, `pending` or `lost`, as the sWorker reports it. */
  type: string
  /** The block at which the node sealed it. */
  cBlockNum: number
}

export interface SealedViolation {
  invariant: 'no sealed file lost' | 'a restarted storage node does not pull again what it had sealed'
  node: string
  cid: string
  detail: string
}

export class SealedWatch {
  /** Per node, the files it reported valid and the block of their sealing. */
  private readonly sealed = new Map<string, Map<string, number>>()
  readonly violations: SealedViolation[] = []
  /** Per node, the sealings seen (a file sealed again for a new order counts again). */
  private readonly seen = new Map<string, number>()

  /** The files `node` sealed that `files` (what it reports now) no longer shows sealed as they were: to ask whether their orders ended. */
  suspects(node: string, files: Record<string, SealedFile>): string[] {
    const known = this.sealed.get(node)
    if (known === undefined) return []
    return [...known].filter(([cid, sealedAt]) => files[cid]?.type !== 'valid' || files[cid]?.cBlockNum !== sealedAt).map(([cid]) => cid)
  }

  /** Records what `node` reports now: every file it holds (all types); `orderEnded` says whether a file's order ended after the block it was sealed at. */
  observe(node: string, files: Record<string, SealedFile>, orderEnded: (cid: string, sealedAt: number) => boolean = () => false): void {
    let known = this.sealed.get(node)
    if (known === undefined) {
      known = new Map()
      this.sealed.set(node, known)
    }
    for (const [cid, sealedAt] of known) {
      const now = files[cid]
      const changed = now === undefined || now.type !== 'valid' || now.cBlockNum !== sealedAt
      if (changed && orderEnded(cid, sealedAt)) {
        // deleted with its order, or sealed for a new one: learnt again below if it is sealed now
        known.delete(cid)
        continue
      }
      if (now === undefined || now.type !== 'valid') {
        if (!this.violations.some((v) => v.invariant === 'no sealed file lost' && v.node === node && v.cid === cid)) {
          this.violations.push({ invariant: 'no sealed file lost', node, cid, detail: `${node} sealed ${cid} at #${sealedAt}, now ${now?.type ?? 'absent'}` })
        }
      } else if (now.cBlockNum !== sealedAt) {
        this.violations.push({
          invariant: 'a restarted storage node does not pull again what it had sealed',
          node,
          cid,
          detail: `${node} sealed ${cid} at #${sealedAt} and again at #${now.cBlockNum}`,
        })
      }
    }
    for (const [cid, f] of Object.entries(files)) {
      if (f.type === 'valid' && !known.has(cid)) {
        known.set(cid, f.cBlockNum)
        this.seen.set(node, (this.seen.get(node) ?? 0) + 1)
      }
    }
  }

  /** How many sealings each node made (for the report). */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.sealed.keys()].map((node) => [node, this.seen.get(node) ?? 0]))
  }
}
