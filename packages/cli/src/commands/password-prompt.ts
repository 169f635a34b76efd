/** Asks for a password on the terminal without echoing it (for keystores unlocked interactively). */
import { CliError } from '../errors.js'

export async function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin
  if (stdin.isTTY !== true) throw new CliError('CLI_ERROR_ACCOUNT', 'the keystore needs a password: give --password-file <file> (no terminal to ask on)')
  // Raw mode before the question: a fast typist's first keys must not be echoed.
  stdin.setRawMode(true)
  stdin.resume()
  process.stderr.write(question)
  let password = ''
  try {
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return password
        if (ch === '\u0003') throw new CliError('CLI_ERROR_ACCOUNT', 'cancelled')
        if (ch === '\u007f' || ch === '\b') password = password.slice(0, -1)
        else password += ch
      }
    }
    return password
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
    process.stderr.write('\n')
  }
}
