/** Called whenever an element lands at a new array index (or leaves the heap, with index -1). */
export type HeapIndexCallback<E> = (element: E, index: number) => void

const noop = (): void => {}

/**
 * A binary heap whose root is the element `before` ranks first. It reports every element's array
 * index through `moved`, so an owner that stores the index can remove or re-key that element in
 * O(log n). `share()` hands out the current array for read-only traversal; the next mutation copies
 * it first (copy-on-write), so the shared array stays a valid heap for as long as its reader needs.
 */
export class IndexedHeap<E> {
  private items: E[] = []
  private shared = false
  private readonly before: (a: E, b: E) => boolean
  private readonly moved: HeapIndexCallback<E>

  constructor(before: (a: E, b: E) => boolean, moved: HeapIndexCallback<E> = noop) {
    this.before = before
    this.moved = moved
  }

  /** Number of elements. */
  get size(): number {
    return this.items.length
  }

  /** The first element, or `undefined` when empty. */
  peek(): E | undefined {
    return this.items[0]
  }

  /** Adds an element. O(log n). */
  push(element: E): void {
    this.own()
    this.items.push(element)
    this.siftUp(this.items.length - 1)
  }

  /** Removes and returns the first element. O(log n). */
  pop(): E | undefined {
    if (this.items.length === 0) return undefined
    return this.removeAt(0)
  }

  /** Removes the element at `index` (as last reported through `moved`). O(log n). */
  removeAt(index: number): E {
    this.own()
    const items = this.items
    const removed = items[index]!
    const last = items.pop()!
    if (index < items.length) {
      items[index] = last
      this.moved(last, index)
      this.fix(index)
    }
    this.moved(removed, -1)
    return removed
  }

  /** Restores the heap order after the key of the element at `index` changed. O(log n). */
  updateAt(index: number): void {
    this.own()
    this.fix(index)
  }

  /**
   * The backing array, heap-ordered (children of `i` at `2i+1`, `2i+2`). Read-only for the caller;
   * it stays unchanged because the heap copies it before its next mutation.
   */
  share(): readonly E[] {
    this.shared = true
    return this.items
  }

  private own(): void {
    if (this.shared) {
      this.items = this.items.slice()
      this.shared = false
    }
  }

  private fix(index: number): void {
    if (index > 0 && this.before(this.items[index]!, this.items[(index - 1) >> 1]!)) this.siftUp(index)
    else this.siftDown(index)
  }

  private siftUp(index: number): void {
    const items = this.items
    const element = items[index]!
    while (index > 0) {
      const parent = (index - 1) >> 1
      const p = items[parent]!
      if (!this.before(element, p)) break
      items[index] = p
      this.moved(p, index)
      index = parent
    }
    items[index] = element
    this.moved(element, index)
  }

  private siftDown(index: number): void {
    const items = this.items
    const n = items.length
    const element = items[index]!
    for (;;) {
      let child = 2 * index + 1
      if (child >= n) break
      if (child + 1 < n && this.before(items[child + 1]!, items[child]!)) child++
      const c = items[child]!
      if (!this.before(c, element)) break
      items[index] = c
      this.moved(c, index)
      index = child
    }
    items[index] = element
    this.moved(element, index)
  }
}
