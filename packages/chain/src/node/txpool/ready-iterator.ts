import { better, type Entry, type SenderState } from './entry.js'
import { IndexedHeap } from './heap.js'
import type { PoolTransaction, ReadyIterator } from './interface.js'

/** Candidate in the iterator's merge: an entry, and the heads-heap node it came from (or -1). */
interface Candidate<T> {
  entry: Entry<T>
  node: number
}

/**
 * Best-first merge of the senders' ready chains. The pool's heads heap (shared copy-on-write) is
 * traversed lazily: a node's children join the candidates only once the node is taken, and a
 * sender's next nonce joins once its current one is yielded, so k items cost O(k log k) whatever
 * the number of senders.
 */
export class BestFirstIterator<T> implements ReadyIterator<T> {
  private readonly nodes: readonly SenderState<T>[]
  private readonly version: number
  private readonly currentVersion: () => number
  private readonly currentSender: (id: string) => SenderState<T> | undefined
  private readonly candidates = new IndexedHeap<Candidate<T>>((a, b) => better(a.entry, b.entry))
  private skipped: Set<string> | undefined

  constructor(nodes: readonly SenderState<T>[], version: number, currentVersion: () => number, currentSender: (id: string) => SenderState<T> | undefined) {
    this.nodes = nodes
    this.version = version
    this.currentVersion = currentVersion
    this.currentSender = currentSender
    this.pushNode(0)
  }

  [Symbol.iterator](): this {
    return this
  }

  skipSender(sender: string): void {
    ;(this.skipped ??= new Set()).add(sender)
  }

  next(): IteratorResult<PoolTransaction<T>, undefined> {
    const candidates = this.candidates
    for (;;) {
      const c = candidates.pop()
      if (c === undefined) return { done: true, value: undefined }
      if (c.node >= 0) {
        this.pushNode(2 * c.node + 1)
        this.pushNode(2 * c.node + 2)
      }
      let entry: Entry<T> | undefined = c.entry
      const sender = entry.sender
      if (this.skipped?.has(sender.id)) continue
      if (this.currentVersion() !== this.version) {
        entry = this.recheck(entry, c.node >= 0)
        if (entry === undefined) continue
      }
      const nonce = entry.tx.nonce + 1
      if (nonce < sender.readyEnd) candidates.push({ entry: sender.txs.get(nonce)!, node: -1 })
      return { done: false, value: entry.tx }
    }
  }

  /** Adds heads-heap node `index`; a sender that lost its chain since is passed over to its children. */
  private pushNode(index: number): void {
    const nodes = this.nodes
    while (index < nodes.length) {
      const head = nodes[index]!.head
      if (head !== undefined) {
        this.candidates.push({ entry: head, node: index })
        return
      }
      this.pushNode(2 * index + 1)
      index = 2 * index + 2
    }
  }

  /**
   * After a pool change: a sender's first yield is its current head (its account nonce may have
   * moved); a later one is the entry now at the nonce after the previous yield, if still ready.
   */
  private recheck(entry: Entry<T>, first: boolean): Entry<T> | undefined {
    const sender = this.currentSender(entry.sender.id)
    if (first) return sender?.head
    if (sender !== entry.sender) return undefined
    const current = sender.txs.get(entry.tx.nonce)
    return current?.ready ? current : undefined
  }
}
