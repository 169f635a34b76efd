/** Structured logging: pino underneath, one child logger per component. */
import { writeSync } from 'node:fs'
import { type DestinationStream, type Logger, pino } from 'pino'
import { redactFields, redactUrl } from './redact.js'

export type { Logger }

export interface ComponentLogger {
  forComponent(name: string): Logger
}

export interface LoggerInit {
  level?: string
  /** Where lines go: a file descriptor (default 1, stdout). */
  fd?: number
  /** One readable line per event (for a terminal) instead of JSON lines. */
  pretty?: boolean
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value
  return JSON.stringify(value)
}

/** Turns pino's JSON lines into `12:00:01 INFO  [chain:author] imported block number=5 ...`. */
function prettyStream(fd: number): DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        writeSync(fd, line)
        return
      }
      const { level, time, component, msg, err, ...fields } = entry
      const clock = new Date(time as number).toISOString().slice(11, 19)
      const extra = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`)
      const error = err === undefined ? '' : `\n  ${(err as { stack?: string; message?: string }).stack ?? (err as { message?: string }).message}`
      writeSync(fd, `${clock} ${LEVELS[level as number] ?? level} [${component ?? 'crust'}] ${msg ?? ''} ${extra.join(' ')}${error}\n`)
    },
  }
}

export function createLogger(init: LoggerInit = {}): ComponentLogger {
  const fd = init.fd ?? 1
  const destination = init.pretty === true ? prettyStream(fd) : pino.destination({ fd, sync: true })
  // Secrets never reach a log line: secret fields (suri, password, ...) and passwords inside URLs
  // are redacted from every event's fields and message (see redact.ts).
  const root = pino(
    {
      level: init.level ?? 'info',
      base: null,
      formatters: { log: redactFields },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactUrl(args[i] as string)
          method.apply(this, args as Parameters<typeof method>)
        },
      },
    },
    destination,
  )
  return { forComponent: (name) => root.child({ component: name }) }
}

/** A logger that drops everything (unit tests). */
export const silentLogger: ComponentLogger = {
  forComponent: () => pino({ level: 'silent' }),
}
