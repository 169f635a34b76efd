/**
 * Secrets from files instead of the command line (where `ps` shows them to every local user):
 * `--validator-file`, `--account-file`, `--pg-url-file`. The old flags keep working.
 */
import { readFileSync } from 'node:fs'
import { CliError } from '../errors.js'

/** The secret in a file: its content without surrounding whitespace (a final newline, say). Never echoed. */
export function readSecretFile(path: string, flag: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new CliError(
      'CLI_ERROR_SECRET_FILE',
      `${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      { path },
      { cause: err },
    )
  }
  if (text === '') throw new CliError('CLI_ERROR_SECRET_FILE', `${flag}: ${path} is empty`, { path })
  return text
}

/**
 * One secret given either inline (`--x <value>`) or in a file (`--x-file <path>`): both is an
 * error, neither is undefined.
 */
export function secretFromFlags(inline: string | undefined, file: string | undefined, flag: string): string | undefined {
  if (inline !== undefined && file !== undefined) throw new CliError('CLI_ERROR_SECRET_FLAGS', `give either ${flag} or ${flag}-file, not both`)
  if (file !== undefined) return readSecretFile(file, `${flag}-file`)
  return inline
}
