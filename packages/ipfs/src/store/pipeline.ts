/**
 * A bounded FIFO of writes in flight. Stores issue each write at once (LMDB batches everything
 * issued in one event-loop turn into one transaction) and report keys in order once their write is
 * committed, waiting for the oldest write only when too many bytes are in flight.
 */
export class WritePipeline<K> {
  private readonly queue: Array<{ key: K; size: number; done: Promise<unknown>; settled: boolean }> = []
  private bytes = 0

  constructor(private readonly maxBytes: number) {}

  /** Adds a write that is already issued. */
  push(key: K, size: number, done: Promise<unknown>): void {
    const entry = { key, size, done, settled: false }
    done.then(
      () => {
        entry.settled = true
      },
      () => {
        entry.settled = true
      },
    )
    this.queue.push(entry)
    this.bytes += size
  }

  /** Keys whose writes committed, oldest first; waits while more than the limit is in flight. */
  async *ready(): AsyncGenerator<K> {
    while (this.queue.length > 0 && (this.queue[0]!.settled || this.bytes > this.maxBytes)) {
      yield await this.shift()
    }
  }

  /** Every remaining key, oldest first, each once its write committed. */
  async *drain(): AsyncGenerator<K> {
    while (this.queue.length > 0) yield await this.shift()
  }

  private async shift(): Promise<K> {
    const entry = this.queue[0]!
    try {
      await entry.done
    } finally {
      this.queue.shift()
      this.bytes -= entry.size
    }
    return entry.key
  }
}

/** Concatenates a value given as chunks into one array (a single chunk is returned as is). */
export async function collectBytes(value: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of value) {
    chunks.push(chunk)
    length += chunk.byteLength
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
