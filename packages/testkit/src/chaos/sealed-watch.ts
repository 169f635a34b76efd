/**
 * Two of a chaos run's storage invariants, from each storage node's sWorker (its
 * `file/info_by_type`): no sealed file is lost (a file a node once reported valid stays valid
 * there, through kills, cuts and a full disk), and a restarted storage node does not pull again
 * what it had sealed (a file sealed anew gets the block number of its new sealing: `c_block_num`
 * must never change).
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

  /** Records what `node` reports now: every file it holds (all types). */
  observe(node: string, files: Record<string, SealedFile>): void {
    let known = this.sealed.get(node)
    if (known === undefined) {
      known = new Map()
      this.sealed.set(node, known)
    }
    for (const [cid, sealedAt] of known) {
      const now = files[cid]
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
      if (f.type === 'valid' && !known.has(cid)) known.set(cid, f.cBlockNum)
    }
  }

  /** How many files each node sealed (for the report). */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.sealed].map(([node, files]) => [node, files.size]))
  }
}
