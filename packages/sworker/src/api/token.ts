/** The sWorker API's per-node token: 32 random bytes, hex, in an owner-only file of the data folder. */
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { readSecretFile, writeSecretFile } from '../enclave/secret-files.js'
import { API_TOKEN_BYTES, API_TOKEN_FILE } from './constants.js'
import { SworkerApiError, SworkerApiErrorCode } from './errors.js'

const TOKEN_PATTERN = new RegExp(`^[0-9a-f]{${API_TOKEN_BYTES * 2}}$`)

/** Where the API token of the sWorker with data folder `dataDir` lives. */
export function apiTokenFile(dataDir: string): string {
  return path.join(dataDir, API_TOKEN_FILE)
}

/**
 * Reads the API token from `file`, tightening the file's mode to 0600 if it was looser.
 * Throws {@link SworkerApiError} `TOKEN_FILE` when the file is missing or holds no token.
 */
export function readApiToken(file: string): string {
  const bytes = readSecretFile(file)
  if (bytes === undefined)
    throw new SworkerApiError(SworkerApiErrorCode.TOKEN_FILE, `no sWorker API token at ${file}: start the sWorker once to create it`, { file })
  const token = Buffer.from(bytes).toString('utf8').trim()
  if (!TOKEN_PATTERN.test(token)) throw new SworkerApiError(SworkerApiErrorCode.TOKEN_FILE, `${file} does not hold an sWorker API token`, { file })
  return token
}

/** The token of the sWorker in `dataDir`, created (random, mode 0600) on first start. */
export function loadOrCreateApiToken(dataDir: string): string {
  const file = apiTokenFile(dataDir)
  if (readSecretFile(file) === undefined) writeSecretFile(file, new TextEncoder().encode(`${randomBytes(API_TOKEN_BYTES).toString('hex')}\n`))
  return readApiToken(file)
}
