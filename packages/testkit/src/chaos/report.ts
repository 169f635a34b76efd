/**
 * A chaos run's report: everything the run measured as JSON, and the same drawn as one SVG image
 * (finality lag, block production, replicas per file, the faults on the time axis) so a run can be
 * read at a glance. Pure: the run writes the files.
 */
import type { ScheduledFault } from './schedule.js'

export interface InvariantResult {
  name: string
  held: boolean
  detail: string
}

export interface ChaosReport {
  seed: number
  minutes: number
  startedAt: string
  /** When the faults stopped (ms from the start). */
  faultsEndMs: number
  invariants: InvariantResult[]
  faults: Array<ScheduledFault & { ok: boolean }>
  /** The highest best and finalized block any node reported, once a poll. */
  heads: Array<{ atMs: number; best: number; finalized: number }>
  files: Array<{
    kind: 'order' | 'pin'
    cid: string
    size: number
    via: string
    acceptedAtMs: number
    replicas: number
    threeReplicasAtMs?: number
    /** Its order ran its course during the run (its replicas are those last read before the chain closed it). */
    expired?: boolean
  }>
  transfers: { sent: number; acknowledged: number }
  rssPeakBytes: Record<string, number>
  sealedFiles: Record<string, number>
}

const WIDTH = 960
const PANEL = 170
const LEFT = 70
const RIGHT = 20
const GAP = 50
const KIND_COLOUR: Record<string, string> = { kill: '#d62728', cut: '#ff7f0e', fill: '#9467bd', skew: '#8c564b' }
const REPAIRS: Record<string, string> = { restart: 'kill', heal: 'cut', free: 'fill', unskew: 'skew' }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The run drawn as four panels sharing (but the replicas') the time axis. */
export function renderSvg(r: ChaosReport): string {
  const endMs = Math.max(r.faultsEndMs, ...r.heads.map((h) => h.atMs), 1)
  const plotW = WIDTH - LEFT - RIGHT
  const x = (ms: number) => LEFT + (ms / endMs) * plotW
  const out: string[] = []
  const held = r.invariants.filter((i) => i.held).length
  out.push(
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold">chaos run, seed ${r.seed}, ${r.minutes} min: ${held} of ${r.invariants.length} invariants held</text>`,
  )
  let top = 50
  const panel = (title: string, yMax: number, body: (y: (v: number) => number) => string[], xLabels: 'time' | string[] = 'time') => {
    const y = (v: number) => top + PANEL - (Math.min(v, yMax) / Math.max(yMax, 1)) * PANEL
    out.push(`<text x="${LEFT}" y="${top - 8}" font-size="13">${esc(title)}</text>`)
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL}" fill="none" stroke="#999"/>`)
    if (yMax > 0) {
      out.push(`<text x="${LEFT - 6}" y="${top + 10}" font-size="11" text-anchor="end">${yMax}</text>`)
      out.push(`<text x="${LEFT - 6}" y="${top + PANEL}" font-size="11" text-anchor="end">0</text>`)
    }
    if (xLabels === 'time') {
      for (let s = 0; s * 1000 <= endMs; s += Math.max(30, Math.ceil(endMs / 1000 / 10 / 30) * 30)) {
        out.push(`<text x="${x(s * 1000)}" y="${top + PANEL + 14}" font-size="10" text-anchor="middle">${s} s</text>`)
      }
      out.push(`<line x1="${x(r.faultsEndMs)}" y1="${top}" x2="${x(r.faultsEndMs)}" y2="${top + PANEL}" stroke="#2ca02c" stroke-dasharray="4 3"/>`)
    }
    out.push(...body(y))
    top += PANEL + GAP
  }

  const lags = r.heads.map((h) => ({ atMs: h.atMs, lag: Math.max(0, h.best - h.finalized) }))
  panel(`finality lag (best − finalized, blocks; dashed: faults end)`, Math.max(5, ...lags.map((l) => l.lag)), (y) => [
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${lags.map((l) => `${x(l.atMs).toFixed(1)},${y(l.lag).toFixed(1)}`).join(' ')}"/>`,
  ])

  const bucketMs = 10_000
  const perBucket: Array<{ atMs: number; blocks: number }> = []
  for (let t = 0; t < endMs; t += bucketMs) {
    const inBucket = r.heads.filter((h) => h.atMs >= t && h.atMs < t + bucketMs)
    if (inBucket.length > 0) perBucket.push({ atMs: t, blocks: Math.max(...inBucket.map((h) => h.best)) - Math.min(...inBucket.map((h) => h.best)) })
  }
  panel(`block production (blocks per ${bucketMs / 1000} s, best head)`, Math.max(5, ...perBucket.map((b) => b.blocks)), (y) =>
    perBucket.map(
      (b) =>
        `<rect x="${x(b.atMs).toFixed(1)}" y="${y(b.blocks).toFixed(1)}" width="${Math.max(1, x(bucketMs) - x(0) - 1).toFixed(1)}" height="${(y(0) - y(b.blocks)).toFixed(1)}" fill="#17becf"/>`,
    ),
  )

  const files = r.files
  const maxReplicas = Math.max(4, ...files.map((f) => f.replicas))
  panel(
    `reported replicas per file at the end (${files.length} files; orange: pins; grey: orders that ran their course, as last read; line: 3)`,
    maxReplicas,
    (y) => {
      const w = files.length === 0 ? 0 : plotW / files.length
      return [
        ...files.map(
          (f, i) =>
            `<rect x="${(LEFT + i * w).toFixed(1)}" y="${y(f.replicas).toFixed(1)}" width="${Math.max(1, w - 1).toFixed(1)}" height="${(y(0) - y(f.replicas)).toFixed(1)}" fill="${f.expired === true ? '#aaaaaa' : f.kind === 'pin' ? '#ff7f0e' : '#1f77b4'}"><title>${esc(f.cid)}: ${f.replicas}${f.expired === true ? ' (expired)' : ''}</title></rect>`,
        ),
        `<line x1="${LEFT}" y1="${y(3)}" x2="${LEFT + plotW}" y2="${y(3)}" stroke="#2ca02c" stroke-dasharray="4 3"/>`,
      ]
    },
    [],
  )

  // One row per target, a bar from each fault to its repair.
  const targets = [...new Set(r.faults.map((f) => f.target))].sort()
  const rowH = targets.length === 0 ? PANEL : PANEL / targets.length
  panel('faults injected (red: kill -9, orange: cut, purple: disk full, brown: clock skew)', 0, () => {
    const bars: string[] = []
    targets.forEach((target, row) => {
      const ry = top + row * rowH
      bars.push(`<text x="${LEFT - 6}" y="${(ry + rowH / 2 + 4).toFixed(1)}" font-size="10" text-anchor="end">${esc(target)}</text>`)
      const open = new Map<string, number>()
      for (const f of r.faults.filter((g) => g.target === target)) {
        if (f.kind in KIND_COLOUR) open.set(f.kind, f.atMs)
        else {
          const kind = REPAIRS[f.kind] ?? f.kind
          const from = open.get(kind) ?? f.atMs
          open.delete(kind)
          bars.push(
            `<rect x="${x(from).toFixed(1)}" y="${(ry + 2).toFixed(1)}" width="${Math.max(1, x(f.atMs) - x(from)).toFixed(1)}" height="${Math.max(2, rowH - 4).toFixed(1)}" fill="${KIND_COLOUR[kind]}" opacity="0.8"/>`,
          )
        }
      }
    })
    return bars
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${out.join('')}</svg>\n`
}
