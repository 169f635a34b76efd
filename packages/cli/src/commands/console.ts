/** The web console served next to a command's other endpoints (`--console-port`). */
import type { ConsoleConfig } from '@crust-ts/console'
import { CliError } from '../errors.js'

export interface RunningConsole {
  url: string
  port: number
  stop(): Promise<void>
}

/** Serves the console on loopback; `config` is read per page load (undefined while the network starts). */
export async function startConsole(port: number, config: () => ConsoleConfig | undefined): Promise<RunningConsole> {
  const { ConsoleServer } = await import('@crust-ts/console')
  const server = new ConsoleServer({ port, config })
  try {
    const started = await server.start()
    return { url: started.url, port: started.port, stop: () => server.stop() }
  } catch (err) {
    throw new CliError(
      'CLI_ERROR_CONSOLE',
      `cannot serve the console on port ${port}: ${(err as Error).message} (choose another with --console-port)`,
      {},
      { cause: err },
    )
  }
}

/** What a browser uses to reach a WebSocket server listening on `host` (a wildcard address means loopback here). */
export function browserWs(host: string, port: number): string {
  return `ws://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`
}
