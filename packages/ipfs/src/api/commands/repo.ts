/** `repo/gc` and `repo/stat`. */
import type { CID } from 'multiformats/cid'
import { opt } from '../command.js'
import { REPO_VERSION } from '../constants.js'
import type { CommandContext, CommandTable } from '../context.js'
import { KuboApiError } from '../errors.js'

/**
 * Deletes every block that is not pinned (Helia's GC), holding the GC lock so no add or pin runs
 * meanwhile. Emits `{"Key":{"/":cid}}` per removed block, as Kubo.
 */
async function repoGc(ctx: CommandContext): Promise<void> {
  const silent = ctx.options.bool('silent') ?? false
  const streamErrors = ctx.options.bool('stream-errors') ?? false
  const removed: CID[] = []
  const errors: string[] = []
  const release = await ctx.env.gcLock.gcLock()
  try {
    await ctx.node.helia.gc({
      signal: ctx.signal,
      onProgress: (event) => {
        if (event.type === 'helia:gc:deleted') removed.push(event.detail)
        else if (event.type === 'helia:gc:error') errors.push(event.detail.message)
      },
    })
  } finally {
    release()
  }
  ctx.env.log.info({ removed: removed.length, errors: errors.length }, 'repo gc')
  if (!silent) for (const cid of removed) await ctx.out.emit({ Key: cid })
  if (errors.length > 0) {
    if (streamErrors) for (const message of errors) await ctx.out.emit({ Key: null, Error: message })
    throw KuboApiError.command('encountered errors during gc run')
  }
}

async function repoStat(ctx: CommandContext): Promise<void> {
  const stat = await ctx.node.repoStat()
  if (ctx.options.bool('size-only') === true) {
    await ctx.out.emitOnce({ RepoSize: stat.repoSize, StorageMax: stat.storageMax, NumObjects: 0, RepoPath: '', Version: '' })
    return
  }
  await ctx.out.emitOnce({
    RepoSize: stat.repoSize,
    StorageMax: stat.storageMax,
    NumObjects: stat.numObjects,
    RepoPath: stat.repoPath,
    Version: stat.version,
  })
}

async function repoVersion(ctx: CommandContext): Promise<void> {
  await ctx.out.emitOnce({ Version: REPO_VERSION })
}

export const repoCommands: CommandTable = {
  'repo/gc': {
    args: [],
    options: [opt.bool('stream-errors'), opt.bool(['quiet', 'q']), opt.bool('silent')],
    run: repoGc,
  },
  'repo/stat': {
    args: [],
    options: [opt.bool(['size-only', 's']), opt.bool(['human', 'H'])],
    run: repoStat,
  },
  'repo/version': {
    args: [],
    options: [opt.bool(['quiet', 'q'])],
    run: repoVersion,
  },
  'stats/repo': {
    args: [],
    options: [opt.bool(['size-only', 's']), opt.bool(['human', 'H'])],
    run: repoStat,
  },
}
