/**
 * `crust ipfs add|cat|pin ...`: talk to a running node's Kubo-compatible API, as Kubo's CLI does.
 */
import { createReadStream, type Stats, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { create, type KuboRPCClient } from 'kubo-rpc-client'
import { CliError } from '../errors.js'

export { DEFAULT_API } from './ipfs-defaults.js'

export interface AddCommandOptions {
  api: string
  recursive: boolean
  cidVersion: 0 | 1
  rawLeaves?: boolean
  chunker?: string
  pin: boolean
  onlyHash: boolean
  wrapWithDirectory: boolean
  quiet: boolean
  progress: boolean
}

interface FileEntry {
  path: string
  content?: AsyncIterable<Uint8Array>
}

function statOrFail(path: string): Stats {
  try {
    return statSync(path)
  } catch {
    throw new CliError('CLI_ERROR_NO_SUCH_FILE', `${path}: no such file or directory`)
  }
}

async function* walk(root: string, base: string): AsyncGenerator<FileEntry> {
  const entries = await readdir(root, { withFileTypes: true })
  entries.sort((a, b) => a.name.localeCompare(b.name))
  yield { path: relative(base, root) }
  for (const e of entries) {
    const full = join(root, e.name)
    if (e.isDirectory()) yield* walk(full, base)
    else if (e.isFile()) yield { path: relative(base, full), content: createReadStream(full) }
  }
}

async function* entriesOf(paths: string[], recursive: boolean): AsyncGenerator<FileEntry> {
  for (const p of paths) {
    const st = statOrFail(p)
    if (st.isDirectory()) {
      if (!recursive) throw new CliError('CLI_ERROR_IS_DIRECTORY', `${p} is a directory: use -r to add directories`)
      yield* walk(p, join(p, '..'))
    } else {
      yield { path: basename(p), content: createReadStream(p) }
    }
  }
}

function client(api: string): KuboRPCClient {
  try {
    return create({ url: api })
  } catch (err) {
    throw new CliError('CLI_ERROR_BAD_API', `--api: ${(err as Error).message}`)
  }
}

/** Explains a failed API call in one line, with what to do next. */
export function apiError(api: string, err: unknown): CliError {
  const message = err instanceof Error ? err.message : String(err)
  if (/ECONNREFUSED|fetch failed/.test(message)) {
    return new CliError('CLI_ERROR_API_UNREACHABLE', `no IPFS node answers at ${api}: start one with "crust ipfs daemon" or pass --api`)
  }
  return new CliError('CLI_ERROR_API', message)
}

export async function addCommand(paths: string[], opts: AddCommandOptions, write: (s: string) => void): Promise<void> {
  const ipfs = client(opts.api)
  const total = paths.reduce((sum, p) => sum + (statOrFail(p).isFile() ? statOrFail(p).size : 0), 0)
  let lastShown = 0
  try {
    for await (const added of ipfs.addAll(entriesOf(paths, opts.recursive), {
      cidVersion: opts.cidVersion,
      ...(opts.rawLeaves === undefined ? {} : { rawLeaves: opts.rawLeaves }),
      ...(opts.chunker === undefined ? {} : { chunker: opts.chunker }),
      pin: opts.pin,
      onlyHash: opts.onlyHash,
      wrapWithDirectory: opts.wrapWithDirectory,
      ...(opts.progress
        ? {
            progress: (bytes: number) => {
              const now = Date.now()
              if (now - lastShown < 200) return
              lastShown = now
              const pct = total > 0 ? ` (${Math.min(100, Math.round((100 * bytes) / total))} %)` : ''
              process.stderr.write(`\r${(bytes / 1048576).toFixed(1)} MiB sent${pct}   `)
            },
          }
        : {}),
    })) {
      if (opts.progress) process.stderr.write('\r\x1b[K')
      write(opts.quiet ? `${added.cid}\n` : `added ${added.cid} ${added.path}\n`)
    }
  } catch (err) {
    if (err instanceof CliError) throw err
    throw apiError(opts.api, err)
  }
}

export async function catCommand(cid: string, opts: { api: string; offset?: number; length?: number }, out: NodeJS.WritableStream): Promise<void> {
  const ipfs = client(opts.api)
  try {
    for await (const chunk of ipfs.cat(cid, {
      ...(opts.offset === undefined ? {} : { offset: opts.offset }),
      ...(opts.length === undefined ? {} : { length: opts.length }),
    })) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r))
    }
  } catch (err) {
    throw apiError(opts.api, err)
  }
}

export async function pinCommand(
  action: 'add' | 'rm' | 'ls',
  cids: string[],
  opts: { api: string; recursive: boolean },
  write: (s: string) => void,
): Promise<void> {
  const ipfs = client(opts.api)
  try {
    if (action === 'ls') {
      for await (const pin of ipfs.pin.ls(cids.length > 0 ? { paths: cids } : {})) write(`${pin.cid} ${pin.type}\n`)
      return
    }
    for (const cid of cids) {
      const done = action === 'add' ? await ipfs.pin.add(cid, { recursive: opts.recursive }) : await ipfs.pin.rm(cid, { recursive: opts.recursive })
      write(`${action === 'add' ? 'pinned' : 'unpinned'} ${done}${action === 'add' && opts.recursive ? ' recursively' : ''}\n`)
    }
  } catch (err) {
    throw apiError(opts.api, err)
  }
}
