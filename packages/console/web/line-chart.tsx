/**
 * A step-line chart in plain SVG (no chart library: the values are few and change in steps, at the
 * blocks that report them), with its data as a table for screen readers and keyboards.
 */

/** One line: its points are `[block, value]`, oldest first. */
export interface ChartSeries {
  key: string
  label: string
  points: Array<[number, number]>
}

const WIDTH = 640
const HEIGHT = 200
const PAD = { left: 64, right: 12, top: 10, bottom: 24 }
const COLOURS = ['#e5047a', '#2563eb', '#137a3d', '#b45309', '#7c3aed', '#0e7490']

export interface LineChartProps {
  id: string
  title: string
  series: ChartSeries[]
  format: (value: number) => string
}

/** The chart's x range: every point of every series. */
function extent(series: ChartSeries[]): { x0: number; x1: number; yMax: number } | undefined {
  let x0 = Number.POSITIVE_INFINITY
  let x1 = Number.NEGATIVE_INFINITY
  let yMax = 0
  for (const s of series)
    for (const [x, y] of s.points) {
      x0 = Math.min(x0, x)
      x1 = Math.max(x1, x)
      yMax = Math.max(yMax, y)
    }
  return x0 === Number.POSITIVE_INFINITY ? undefined : { x0, x1, yMax }
}

export function LineChart({ id, title, series, format }: LineChartProps) {
  const range = extent(series)
  if (range === undefined)
    return (
      <figure>
        <figcaption>{title}</figcaption>
        <p class="note">No data yet.</p>
      </figure>
    )
  const { x0, x1 } = range
  const yMax = range.yMax === 0 ? 1 : range.yMax
  const sx = (x: number) => PAD.left + (x1 === x0 ? 0 : ((x - x0) / (x1 - x0)) * (WIDTH - PAD.left - PAD.right))
  const sy = (y: number) => HEIGHT - PAD.bottom - (y / yMax) * (HEIGHT - PAD.top - PAD.bottom)
  // A step line: a value holds until the next point's block (the last one to the right edge).
  const f = (n: number) => n.toFixed(1)
  const path = (points: Array<[number, number]>) =>
    `${points.map(([x, y], i) => (i === 0 ? `M${f(sx(x))},${f(sy(y))}` : `H${f(sx(x))}V${f(sy(y))}`)).join('')}H${f(sx(x1))}`
  const blocks = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b)
  const valueAt = (s: ChartSeries, block: number) => s.points.find(([x]) => x === block)?.[1]
  const latest = series.map((s) => `${s.label} ${format(s.points.at(-1)?.[1] ?? 0)}`).join(', ')
  return (
    <figure class="chart" data-testid={id}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`}>
        <title>{title}</title>
        <desc id={`${id}-desc`}>
          Blocks #{x0} to #{x1}; at #{x1}: {latest}. The table below holds every point.
        </desc>
        <line x1={PAD.left} y1={sy(0)} x2={WIDTH - PAD.right} y2={sy(0)} class="axis" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={sy(0)} class="axis" />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end" class="tick">
          {format(yMax)}
        </text>
        <text x={PAD.left - 4} y={sy(0)} text-anchor="end" class="tick">
          0
        </text>
        <text x={PAD.left} y={HEIGHT - 6} class="tick">
          #{x0}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end" class="tick">
          #{x1}
        </text>
        {series.map((s, i) => {
          const last = s.points.at(-1)
          return (
            <path
              key={s.key}
              d={path(s.points)}
              fill="none"
              stroke={COLOURS[i % COLOURS.length]}
              stroke-width="2"
              vector-effect="non-scaling-stroke"
              data-testid={`${id}-series`}
              data-key={s.key}
              data-first-block={s.points[0]?.[0]}
              data-first-value={s.points[0]?.[1]}
              data-last-block={last?.[0]}
              data-last-value={last?.[1]}
              data-points={s.points.length}
            />
          )
        })}
      </svg>
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.key}>
            <span class="swatch" style={{ background: COLOURS[i % COLOURS.length] }} aria-hidden="true" /> {s.label}: {format(s.points.at(-1)?.[1] ?? 0)}
          </li>
        ))}
      </ul>
      <details>
        <summary>{title}: the data as a table</summary>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Block</th>
                {series.map((s) => (
                  <th key={s.key} scope="col">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {blocks.map((b) => (
                <tr key={b}>
                  <th scope="row">#{b}</th>
                  {series.map((s) => {
                    const v = valueAt(s, b)
                    return <td key={s.key}>{v === undefined ? '' : format(v)}</td>
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}
