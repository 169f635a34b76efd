/**
 * The Nodes page's charts (a lazy chunk): each storage node's reported bytes (files + SRD, from its
 * work report) and the network's replicas over time. On opening, a bounded window of past blocks is
 * read at their hashes (`crust dev`'s nodes keep every block's state); then every new best block the
 * chain's subscription announces is read as it arrives, so the last point is the chain's value at
 * the newest block the page has seen. A run of equal values keeps only its first and last point.
 */
import { useEffect, useState } from 'preact/hooks'
import { formatBytes } from '../format.js'
import { type ChartSeries, LineChart } from '../line-chart.js'
import type { ApiPromise } from '../polkadot.js'

/** What the charts plot at one block. */
export interface Sample {
  block: number
  hash: string
  /** Reported bytes (files + SRD) by sWorker anchor (hex). */
  bytes: Map<string, number>
  /** Replicas on chain: the sum of every sWorker's replica count. */
  replicas: number
}

/** Past blocks read on opening: this many report slots back, in at most BACKFILL_POINTS reads. */
const BACKFILL_SLOTS = 20
const BACKFILL_POINTS = 40
const BACKFILL_CONCURRENCY = 4
/** Points kept in the page (runs of equal values are compacted first). */
const MAX_POINTS = 240

type Codec = { toJSON(): unknown; toHex(): string }
type Entries = Array<[{ args: Codec[] }, Codec]>

/** Reads the charted values in the state of block `hash`. */
export async function sampleAt(api: ApiPromise, hash: string, block: number): Promise<Sample> {
  const at = await api.at(hash)
  const [reports, counts] = (await Promise.all([at.query.swork!.workReports!.entries(), at.query.market!.anchorFileCount!.entries()])) as unknown as [
    Entries,
    Entries,
  ]
  const bytes = new Map<string, number>()
  for (const [key, value] of reports) {
    const wr = value.toJSON() as { reportedFilesSize?: number | string; free?: number | string } | null
    if (wr !== null) bytes.set(key.args[0]!.toHex(), Number(wr.reportedFilesSize ?? 0) + Number(wr.free ?? 0))
  }
  const replicas = counts.reduce((sum, [, count]) => sum + Number(count.toJSON() ?? 0), 0)
  return { block, hash, bytes, replicas }
}

const sameValues = (a: Sample, b: Sample) => a.replicas === b.replicas && a.bytes.size === b.bytes.size && [...a.bytes].every(([k, v]) => b.bytes.get(k) === v)

/** Sorted by block, one sample per block, the middle of each run of equal values dropped, the oldest beyond MAX_POINTS dropped. */
export function compact(samples: Sample[]): Sample[] {
  const byBlock = new Map(samples.map((s) => [s.block, s]))
  const sorted = [...byBlock.values()].sort((a, b) => a.block - b.block)
  const kept = sorted.filter((s, i) => i === 0 || i === sorted.length - 1 || !(sameValues(sorted[i - 1]!, s) && sameValues(s, sorted[i + 1]!)))
  return kept.slice(-MAX_POINTS)
}

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}

interface History {
  samples: Sample[]
  /** The oldest block whose state the node no longer holds, when the backfill met one. */
  pruned?: number
  error?: string
}

function useNodeHistory(api: ApiPromise, reportSlot: number): History {
  const [history, setHistory] = useState<History>({ samples: [] })
  useEffect(() => {
    let live = true
    let samples: Sample[] = []
    let pruned: number | undefined
    const publish = () => {
      samples = compact(samples)
      if (live) setHistory({ samples, ...(pruned === undefined ? {} : { pruned }) })
    }
    const fail = (err: Error) => live && setHistory((h) => ({ ...h, error: err.message }))
    // New heads: at most one read in flight; a head that arrives meanwhile replaces the waiting one.
    let waiting: { hash: string; number: number } | undefined
    let reading = false
    const pump = async () => {
      if (reading) return
      reading = true
      while (waiting !== undefined && live) {
        const head = waiting
        waiting = undefined
        try {
          samples.push(await sampleAt(api, head.hash, head.number))
          publish()
        } catch (err) {
          fail(err as Error)
        }
      }
      reading = false
    }
    let first = true
    const unsub = api.rpc.chain.subscribeNewHeads((header) => {
      const number = header.number.toNumber()
      waiting = { hash: header.hash.toHex(), number }
      void pump()
      if (first) {
        first = false
        void backfill(number)
      }
    })
    // The window before the first head, read at an even stride (newest first, so a pruned node still gives the recent part).
    const backfill = async (head: number) => {
      const from = Math.max(1, head - BACKFILL_SLOTS * reportSlot)
      const stride = Math.max(1, Math.ceil((head - from) / BACKFILL_POINTS))
      const blocks: number[] = []
      for (let b = head - stride; b >= from; b -= stride) blocks.push(b)
      await eachLimited(blocks, BACKFILL_CONCURRENCY, async (b) => {
        if (!live || (pruned !== undefined && b <= pruned)) return
        try {
          const hash = (await api.rpc.chain.getBlockHash(b)).toHex()
          samples.push(await sampleAt(api, hash, b))
        } catch {
          pruned = Math.max(pruned ?? 0, b)
          samples = samples.filter((s) => s.block > b)
        }
      })
      publish()
    }
    return () => {
      live = false
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [api, reportSlot])
  return history
}

export interface NodeChartsProps {
  api: ApiPromise
  reportSlot: number
  /** Names for sWorker anchors (hex), e.g. the node's account. */
  names: Map<string, string>
}

export function NodeCharts({ api, reportSlot, names }: NodeChartsProps) {
  const { samples, pruned, error } = useNodeHistory(api, reportSlot)
  const anchors = [...new Set(samples.flatMap((s) => [...s.bytes.keys()]))].sort()
  const bytes: ChartSeries[] = anchors.map((anchor) => ({
    key: anchor,
    label: names.get(anchor) ?? `${anchor.slice(0, 10)}…`,
    points: samples.filter((s) => s.bytes.has(anchor)).map((s) => [s.block, s.bytes.get(anchor)!]),
  }))
  const replicas: ChartSeries[] = [{ key: 'replicas', label: 'replicas', points: samples.map((s) => [s.block, s.replicas]) }]
  const last = samples.at(-1)
  return (
    <section aria-labelledby="charts-title" data-testid="node-charts" data-last-block={last?.block} data-last-hash={last?.hash}>
      <h2 id="charts-title">Over time</h2>
      <p class="note">
        From the chain: {samples.length === 0 ? 'reading…' : `blocks #${samples[0]!.block} to #${last!.block}, live`}
        {pruned !== undefined && `; the node no longer holds the state at or before block #${pruned}`}.
      </p>
      {error !== undefined && <p class="error">{error}</p>}
      <div class="charts">
        <LineChart id="bytes-chart" title="Reported bytes per storage node (files + SRD)" series={bytes} format={(v) => formatBytes(v)} />
        <LineChart id="replicas-chart" title="Replicas on the network" series={replicas} format={(v) => String(v)} />
      </div>
    </section>
  )
}
