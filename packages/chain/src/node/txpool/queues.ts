import { better, type Entry, SenderState, worse } from './entry.js'
import { PoolError } from './errors.js'
import { IndexedHeap } from './heap.js'
import type { ImportOptions, ImportOutcome, NoncesOutcome, PoolStatus, PoolTransaction, ReadyIterator } from './interface.js'
import { DEFAULT_MAX_PER_SENDER, type PoolLimits } from './options.js'
import { BestFirstIterator } from './ready-iterator.js'

function byNonce<T>(a: Entry<T>, b: Entry<T>): number {
  return a.tx.nonce - b.tx.nonce
}

function bySenderNonce<T>(a: Entry<T>, b: Entry<T>): number {
  if (a.sender !== b.sender) return a.sender.id < b.sender.id ? -1 : 1
  return a.tx.nonce - b.tx.nonce
}

function checkLimit(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PoolError({ code: 'TXPOOL_ERROR_INVALID_LIMITS', field, value })
  }
  return value
}

/**
 * The ready and future queues of a Substrate-style transaction pool (`sc-transaction-pool`'s
 * graph), keyed by sender and nonce. Pure in-memory bookkeeping: the caller validates
 * transactions (signature, fees) before `import` and tells the queues about new account nonces
 * after each block with `onNonces`.
 *
 * A sender's transactions are ready when their nonces run consecutively from the sender's account
 * nonce; the others are future and wait for the gap to fill. The pool's view of a sender's account
 * nonce is set when the sender enters the pool (`import`'s `accountNonce`) and then advances only
 * through `onNonces`; `import` rejects nonces below the larger of the two views.
 *
 * Limits: a sender may hold at most `maxPerSender` future transactions that came from the network
 * (its ready chain, and what its own node's RPC submits, are bounded only by the pool-wide limits, as
 * in Substrate: a burst of one sender's nonces must not be refused once the gap before them fills;
 * a refused network transaction comes again with the peers' periodic re-propagation). After every change, while the future count is over `maxFuture` the lowest-priority
 * future transaction is evicted; while the ready count is over `maxReady` the lowest-priority ready
 * transaction that ends its sender's chain is evicted; while bytes are over `maxBytes` the
 * lowest-priority future transaction is evicted, or when none is left, the lowest-priority chain
 * end. Ties go against the later arrival. An import whose own transaction would be evicted is
 * refused with `TXPOOL_ERROR_POOL_FULL` and leaves the pool as it was.
 *
 * Costs: `import`/`remove` O(log n) (plus O(c) for the c transactions a gap fill promotes or a
 * removal demotes); `onNonces` O(c log n) per sender with c pooled transactions; iterating k
 * transactions from `ready()` O(k log k).
 */
export class TransactionQueues<T = unknown> {
  private readonly maxReady: number
  private readonly maxFuture: number
  private readonly maxBytes: number
  private readonly maxPerSender: number

  private readonly byHash = new Map<string, Entry<T>>()
  private readonly senders = new Map<string, SenderState<T>>()
  /** Senders with a ready chain, best head first. */
  private readonly heads = new IndexedHeap<SenderState<T>>(
    (a, b) => better(a.head!, b.head!),
    (s, i) => {
      s.headPos = i
    },
  )

  /** Senders with a ready chain, worst chain end first. */
  private readonly tails = new IndexedHeap<SenderState<T>>(
    (a, b) => worse(a.tail!, b.tail!),
    (s, i) => {
      s.tailPos = i
    },
  )

  /** Future transactions, worst first. */
  private readonly futures = new IndexedHeap<Entry<T>>(worse, (e, i) => {
    e.futurePos = i
  })

  private readyCount = 0
  private futureCount = 0
  private bytes = 0
  private seq = 0
  /** Bumped by every mutation; lets a ready iterator notice it must re-check. */
  private version = 0
  private readonly currentVersion = (): number => this.version
  private readonly currentSender = (id: string): SenderState<T> | undefined => this.senders.get(id)

  constructor(limits: PoolLimits) {
    this.maxReady = checkLimit('maxReady', limits.maxReady)
    this.maxFuture = checkLimit('maxFuture', limits.maxFuture)
    this.maxBytes = checkLimit('maxBytes', limits.maxBytes)
    this.maxPerSender = checkLimit('maxPerSender', limits.maxPerSender ?? DEFAULT_MAX_PER_SENDER)
  }

  /**
   * Adds a validated transaction. `accountNonce` is the sender's nonce in the best block's state.
   * Throws {@link PoolError}: `ALREADY_IMPORTED`, `STALE`, `TOO_LOW_PRIORITY`,
   * `TOO_MANY_FROM_SENDER` (a future network transaction past `maxPerSender` future ones), `POOL_FULL`;
   * on any error the pool is unchanged.
   */
  import(tx: PoolTransaction<T>, accountNonce: number, options: ImportOptions = {}): ImportOutcome<T> {
    if (this.byHash.has(tx.hash)) throw new PoolError({ code: 'TXPOOL_ERROR_ALREADY_IMPORTED', hash: tx.hash })
    const known = this.senders.get(tx.sender)
    const floor = known === undefined ? accountNonce : Math.max(known.nonce, accountNonce)
    if (tx.nonce < floor) {
      throw new PoolError({ code: 'TXPOOL_ERROR_STALE', hash: tx.hash, nonce: tx.nonce, accountNonce: floor })
    }
    const old = known?.txs.get(tx.nonce)
    if (old !== undefined) {
      if (tx.priority <= old.tx.priority) {
        throw new PoolError({
          code: 'TXPOOL_ERROR_TOO_LOW_PRIORITY',
          hash: tx.hash,
          oldPriority: old.tx.priority,
          newPriority: tx.priority,
        })
      }
    } else if (options.origin !== 'local' && tx.nonce !== (known?.readyEnd ?? accountNonce) && (known?.networkFutures ?? 0) >= this.maxPerSender) {
      throw new PoolError({
        code: 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER',
        hash: tx.hash,
        sender: tx.sender,
        limit: this.maxPerSender,
      })
    }

    this.version++
    const sender = known ?? new SenderState<T>(tx.sender, accountNonce)
    const entry: Entry<T> = {
      tx,
      seq: this.seq++,
      at: options.now ?? Date.now(),
      sender,
      ready: false,
      live: false,
      futurePos: -1,
      fromNetwork: options.origin !== 'local',
    }
    let promoted: Entry<T>[] | undefined
    if (old !== undefined) this.replaceEntry(old, entry)
    else promoted = this.insertEntry(entry)

    const evicted: Entry<T>[] = []
    if (!this.enforceLimits(evicted, entry)) {
      // Undo: the pool's content is a function of the set of entries, so restoring the set restores it.
      for (let i = evicted.length - 1; i >= 0; i--) this.insertEntry(evicted[i]!)
      this.deleteEntry(entry)
      if (old !== undefined) this.insertEntry(old)
      throw new PoolError({ code: 'TXPOOL_ERROR_POOL_FULL', hash: tx.hash })
    }

    const outcome: ImportOutcome<T> = {
      status: entry.ready ? 'ready' : 'future',
      hash: tx.hash,
      promoted: promoted === undefined ? [] : liveTxs(promoted),
      evicted: evicted.map((e) => e.tx),
    }
    if (old !== undefined) outcome.replaced = old.tx
    return outcome
  }

  /**
   * Cheap pre-check before a network transaction is validated (signature included): throws the
   * `TOO_MANY_FROM_SENDER` that `import` would throw for this sender and nonce, when the pool already
   * knows the sender (peers re-offer what was refused; verifying it again would be wasted).
   */
  checkSenderRoom(hash: string, sender: string, nonce: number): void {
    if (this.hasSenderRoom(sender, nonce)) return
    throw new PoolError({ code: 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER', hash, sender, limit: this.maxPerSender })
  }

  /** {@link checkSenderRoom} as a value: false where it would throw (the hot path of peers' pushes builds no error). */
  hasSenderRoom(sender: string, nonce: number): boolean {
    const known = this.senders.get(sender)
    return known === undefined || nonce <= known.readyEnd || known.txs.has(nonce) || known.networkFutures < this.maxPerSender
  }

  /**
   * Ready transactions in a valid block order: per sender consecutive nonces from its account
   * nonce, across senders highest priority first (then earliest arrival). Lazy: each `next()` costs
   * O(log k). The iterator reflects the pool when `ready()` was called; if the pool changes while
   * it is in use, it never yields a transaction that has left the pool or a nonce that no longer
   * follows, and it does not yield senders that entered later.
   */
  ready(): ReadyIterator<T> {
    return new BestFirstIterator(this.heads.share(), this.version, this.currentVersion, this.currentSender)
  }

  /**
   * After a block import: for each sender whose account nonce changed, drops its transactions
   * below the new nonce and recomputes which are ready (a lower nonce, after a reorg, turns the
   * chain back to future). Unknown senders are ignored.
   */
  onNonces(updates: Iterable<readonly [sender: string, newNonce: number]>): NoncesOutcome<T> {
    const removed: Entry<T>[] = []
    const promoted: Entry<T>[] = []
    for (const [id, nonce] of updates) {
      const sender = this.senders.get(id)
      if (sender === undefined || sender.nonce === nonce) continue
      this.version++
      const from = removed.length
      for (const entry of sender.txs.values()) {
        if (entry.tx.nonce < nonce) {
          this.detach(entry)
          removed.push(entry)
        }
      }
      if (removed.length - from > 1) sortTail(removed, from)
      sender.nonce = nonce
      this.resync(sender, promoted)
    }
    const evicted: Entry<T>[] = []
    this.enforceLimits(evicted, undefined)
    return { removed: removed.map((e) => e.tx), promoted: liveTxs(promoted), evicted: evicted.map((e) => e.tx) }
  }

  /**
   * Removes transactions by hash (unknown hashes are ignored); the sender's later ready
   * transactions go back to future. Returns the removed transactions, followed by any future
   * transactions evicted because those demotions overflowed `maxFuture`.
   */
  remove(hashes: Iterable<string>): PoolTransaction<T>[] {
    const out: PoolTransaction<T>[] = []
    for (const hash of hashes) {
      const entry = this.byHash.get(hash)
      if (entry === undefined) continue
      this.version++
      this.deleteEntry(entry)
      out.push(entry.tx)
    }
    const evicted: Entry<T>[] = []
    this.enforceLimits(evicted, undefined)
    for (const e of evicted) out.push(e.tx)
    return out
  }

  /**
   * Removes what can no longer go in: transactions whose `validTill` is at or below `nextBlock` (the
   * number of the next block), and future transactions that arrived before `futureBefore` (ms since
   * the epoch; their gap never filled). Later ready transactions of their senders go back to future.
   * Returns the removed transactions.
   */
  expire(nextBlock: number, futureBefore: number): PoolTransaction<T>[] {
    const victims: Entry<T>[] = []
    for (const entry of this.byHash.values()) {
      if ((entry.tx.validTill ?? Number.POSITIVE_INFINITY) <= nextBlock || (!entry.ready && entry.at < futureBefore)) victims.push(entry)
    }
    for (const entry of victims) {
      if (!entry.live) continue
      this.version++
      this.deleteEntry(entry)
    }
    return victims.map((e) => e.tx)
  }

  /** The senders (0x-hex account ids) with pooled transactions. */
  senderIds(): string[] {
    return [...this.senders.keys()]
  }

  /** The pooled transaction with this hash. */
  get(hash: string): PoolTransaction<T> | undefined {
    return this.byHash.get(hash)?.tx
  }

  /** Whether the transaction with this hash is pooled and ready. */
  isReady(hash: string): boolean {
    return this.byHash.get(hash)?.ready === true
  }

  /** Whether a transaction with this hash is pooled. */
  has(hash: string): boolean {
    return this.byHash.has(hash)
  }

  /** Counts and bytes. */
  status(): PoolStatus {
    return { ready: this.readyCount, future: this.futureCount, bytes: this.bytes }
  }

  /** Every pooled transaction: ready ones in block order, then future ones by sender and nonce. */
  all(): PoolTransaction<T>[] {
    const out = Array.from(this.ready())
    const future: Entry<T>[] = []
    for (const sender of this.senders.values()) {
      if (sender.txs.size === sender.readyEnd - sender.nonce) continue
      for (const entry of sender.txs.values()) if (!entry.ready) future.push(entry)
    }
    future.sort(bySenderNonce)
    for (const entry of future) out.push(entry.tx)
    return out
  }

  /** Adds an entry that has no same-nonce sibling; returns the entries it promoted. */
  private insertEntry(entry: Entry<T>): Entry<T>[] | undefined {
    const sender = entry.sender
    const nonce = entry.tx.nonce
    if (sender.txs.size === 0) this.senders.set(sender.id, sender)
    sender.txs.set(nonce, entry)
    this.byHash.set(entry.tx.hash, entry)
    this.bytes += entry.tx.length
    entry.live = true
    if (nonce !== sender.readyEnd) {
      entry.ready = false
      this.enterFuture(entry)
      return undefined
    }
    entry.ready = true
    this.readyCount++
    let promoted: Entry<T>[] | undefined
    let next = nonce + 1
    for (let e = sender.txs.get(next); e !== undefined; e = sender.txs.get(++next)) {
      this.leaveFuture(e)
      this.readyCount++
      e.ready = true
      ;(promoted ??= []).push(e)
    }
    sender.readyEnd = next
    this.refresh(sender)
    return promoted
  }

  /** Puts `entry` in place of `old` (same sender and nonce). */
  private replaceEntry(old: Entry<T>, entry: Entry<T>): void {
    const sender = old.sender
    sender.txs.set(old.tx.nonce, entry)
    this.byHash.delete(old.tx.hash)
    this.byHash.set(entry.tx.hash, entry)
    this.bytes += entry.tx.length - old.tx.length
    old.live = false
    entry.live = true
    entry.ready = old.ready
    if (old.ready) {
      this.refresh(sender)
    } else {
      this.leaveFuture(old)
      this.enterFuture(entry)
    }
  }

  /** Removes an entry; the sender's ready entries after it become future. */
  private deleteEntry(entry: Entry<T>): void {
    const sender = entry.sender
    const wasReady = entry.ready
    this.detach(entry)
    if (wasReady) {
      const nonce = entry.tx.nonce
      for (let n = nonce + 1; n < sender.readyEnd; n++) {
        const e = sender.txs.get(n)!
        e.ready = false
        this.readyCount--
        this.enterFuture(e)
      }
      sender.readyEnd = nonce
    }
    this.refresh(sender)
  }

  /** Takes an entry out of the counters, maps and future heap; leaves the sender's ready range alone. */
  private detach(entry: Entry<T>): void {
    const sender = entry.sender
    sender.txs.delete(entry.tx.nonce)
    this.byHash.delete(entry.tx.hash)
    this.bytes -= entry.tx.length
    entry.live = false
    if (entry.ready) {
      this.readyCount--
    } else {
      this.leaveFuture(entry)
    }
    if (sender.txs.size === 0) this.senders.delete(sender.id)
  }

  /** Puts a future entry in the future heap and its counts. */
  private enterFuture(entry: Entry<T>): void {
    this.futures.push(entry)
    this.futureCount++
    if (entry.fromNetwork) entry.sender.networkFutures++
  }

  /** Takes an entry out of the future heap and its counts. */
  private leaveFuture(entry: Entry<T>): void {
    this.futures.removeAt(entry.futurePos)
    this.futureCount--
    if (entry.fromNetwork) entry.sender.networkFutures--
  }

  /** Recomputes the sender's ready range from its nonce, moving entries between the queues. */
  private resync(sender: SenderState<T>, promoted: Entry<T>[]): void {
    let end = sender.nonce
    while (sender.txs.has(end)) end++
    sender.readyEnd = end
    const from = promoted.length
    for (const e of sender.txs.values()) {
      const ready = e.tx.nonce < end
      if (ready === e.ready) continue
      e.ready = ready
      if (ready) {
        this.leaveFuture(e)
        this.readyCount++
        promoted.push(e)
      } else {
        this.enterFuture(e)
        this.readyCount--
      }
    }
    if (promoted.length - from > 1) sortTail(promoted, from)
    this.refresh(sender)
  }

  /** Re-derives the sender's head and tail and fixes their heaps. */
  private refresh(sender: SenderState<T>): void {
    const hasReady = sender.readyEnd > sender.nonce
    const head = hasReady ? sender.txs.get(sender.nonce) : undefined
    const tail = hasReady ? sender.txs.get(sender.readyEnd - 1) : undefined
    if (head !== sender.head) {
      sender.head = head
      if (sender.headPos >= 0) {
        if (head === undefined) this.heads.removeAt(sender.headPos)
        else this.heads.updateAt(sender.headPos)
      } else if (head !== undefined) {
        this.heads.push(sender)
      }
    }
    if (tail !== sender.tail) {
      sender.tail = tail
      if (sender.tailPos >= 0) {
        if (tail === undefined) this.tails.removeAt(sender.tailPos)
        else this.tails.updateAt(sender.tailPos)
      } else if (tail !== undefined) {
        this.tails.push(sender)
      }
    }
  }

  /**
   * Evicts until the limits hold (see the class comment). Returns false, having stopped, when the
   * next victim would be `incoming`.
   */
  private enforceLimits(evicted: Entry<T>[], incoming: Entry<T> | undefined): boolean {
    for (;;) {
      let victim: Entry<T> | undefined
      if (this.futureCount > this.maxFuture) victim = this.futures.peek()
      else if (this.readyCount > this.maxReady) victim = this.tails.peek()?.tail
      else if (this.bytes > this.maxBytes) victim = this.futures.peek() ?? this.tails.peek()?.tail
      else return true
      // Unreachable while the counters are consistent: an exceeded bound implies a candidate.
      if (victim === undefined) return true
      if (victim === incoming) return false
      this.deleteEntry(victim)
      evicted.push(victim)
    }
  }
}

/** How many of the sender's transactions wait behind a nonce gap. */
function liveTxs<T>(entries: Entry<T>[]): PoolTransaction<T>[] {
  const out: PoolTransaction<T>[] = []
  for (const e of entries) if (e.live) out.push(e.tx)
  return out
}

/** Sorts `list[from..]` by nonce in place. */
function sortTail<T>(list: Entry<T>[], from: number): void {
  const tail = list.splice(from).sort(byNonce)
  for (const e of tail) list.push(e)
}
