/** Structured logging: pino underneath, one child logger per component. */
import { pino, type Logger } from 'pino'

export type { Logger }

export interface ComponentLogger {
  forComponent(name: string): Logger
}

export interface LoggerInit {
  level?: string
  /** Where JSON lines go: a file descriptor (default 1, stdout). */
  fd?: number
}

export function createLogger(init: LoggerInit = {}): ComponentLogger {
  const root = pino({ level: init.level ?? 'info', base: null }, pino.destination({ fd: init.fd ?? 1, sync: true }))
  return { forComponent: (name) => root.child({ component: name }) }
}

/** A logger that drops everything (unit tests). */
export const silentLogger: ComponentLogger = {
  forComponent: () => pino({ level: 'silent' }),
}
