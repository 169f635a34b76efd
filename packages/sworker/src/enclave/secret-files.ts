/** Atomic, owner-only secret files (write to a temp file, fsync, rename, fsync the folder). */
import fs from 'node:fs'
import path from 'node:path'

/** Writes `data` to `file` with mode 0600, atomically. */
export function writeSecretFile(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`
  const fd = fs.openSync(tmp, 'w', 0o600)
  try {
    fs.writeSync(fd, data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, file)
  const dir = fs.openSync(path.dirname(file), 'r')
  try {
    fs.fsyncSync(dir)
  } finally {
    fs.closeSync(dir)
  }
}

/** Reads `file` (undefined if it does not exist), tightening its mode to 0600 if it was looser. */
export function readSecretFile(file: string): Uint8Array | undefined {
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(file, 0o600)
  return new Uint8Array(fs.readFileSync(file))
}
