/**
 * Two of a chaos run's invariants, from a client's point of view: no finalized block is ever
 * reverted (a node's finalized head never goes back, and the hash it finalized at a height never
 * changes), and all nodes agree on finalized blocks (no two nodes finalized different hashes at one
 * height). Fed with what each node reports as finalized, as often as it is polled.
 */
export interface FinalityViolation {
  invariant: 'no finalized block reverted' | 'all nodes agree on finalized blocks'
  node: string
  height: number
  detail: string
}

export class FinalityWatch {
  /** The first hash any node finalized at each height, and which node. */
  private readonly canonical = new Map<number, { hash: string; node: string }>()
  /** Each node's highest finalized height and what it finalized at each height it reported. */
  private readonly nodes = new Map<string, { head: number; hashes: Map<number, string> }>()
  readonly violations: FinalityViolation[] = []

  /** Records that `node` reports `hash` as finalized at `height` (its head, or any block below it). */
  observe(node: string, height: number, hash: string, isHead: boolean): void {
    let seen = this.nodes.get(node)
    if (seen === undefined) {
      seen = { head: -1, hashes: new Map() }
      this.nodes.set(node, seen)
    }
    if (isHead && height < seen.head) {
      this.violations.push({ invariant: 'no finalized block reverted', node, height, detail: `finalized head went back from #${seen.head} to #${height}` })
    }
    if (isHead) seen.head = Math.max(seen.head, height)
    const before = seen.hashes.get(height)
    if (before !== undefined && before !== hash) {
      this.violations.push({ invariant: 'no finalized block reverted', node, height, detail: `finalized #${height} changed from ${before} to ${hash}` })
    }
    seen.hashes.set(height, hash)
    const first = this.canonical.get(height)
    if (first === undefined) this.canonical.set(height, { hash, node })
    else if (first.hash !== hash && first.node !== node) {
      this.violations.push({
        invariant: 'all nodes agree on finalized blocks',
        node,
        height,
        detail: `${node} finalized ${hash} at #${height}, ${first.node} ${first.hash}`,
      })
    }
  }

  /** The highest height every observed node has finalized. */
  commonHeight(): number {
    const heads = [...this.nodes.values()].map((n) => n.head)
    return heads.length === 0 ? -1 : Math.min(...heads)
  }
}
