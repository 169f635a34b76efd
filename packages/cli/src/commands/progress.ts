/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, plain log lines otherwise (so logs
 * and CI output stay readable).
 */
const BAR_WIDTH = 30
const REDRAW_MS = 100

export interface ProgressSink {
  write(text: string): unknown
  isTTY?: boolean
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1)
}

export class Progress {
  private lastDraw = 0
  private drawn = false

  constructor(private readonly out: ProgressSink = process.stderr) {}

  get tty(): boolean {
    return this.out.isTTY === true
  }

  /** A bar `label [####......] 40 % detail`, redrawn at most every 100 ms (TTY only). */
  bar(label: string, done: number, total: number, detail: string, force = false): void {
    if (!this.tty) return
    const now = Date.now()
    if (!force && now - this.lastDraw < REDRAW_MS) return
    this.lastDraw = now
    const ratio = total > 0 ? Math.min(1, done / total) : 1
    const filled = Math.round(ratio * BAR_WIDTH)
    this.out.write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.round(ratio * 100)} % ${detail}`)
    this.drawn = true
  }

  /** Upload bytes as a bar. */
  bytes(label: string, done: number, total: number): void {
    this.bar(label, done, total, `${mib(done)}/${mib(total)} MiB`, done === total)
  }

  /** A line that stays: clears the bar first on a terminal. */
  log(line: string): void {
    this.clear()
    this.out.write(`${line}\n`)
  }

  /** Removes the bar, if one is drawn. */
  clear(): void {
    if (!this.drawn) return
    this.out.write('\r\x1b[K')
    this.drawn = false
  }
}
