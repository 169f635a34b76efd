/**
 * `add`: streams the multipart upload through the UnixFS importer with Kubo's defaults (CIDv0,
 * 256 KiB fixed chunks, balanced layout with 174 links, dag-pb `file` leaves, HAMT sharding past
 * 256 KiB of link estimate; the settings are `kuboAddOptions`'), emitting Kubo's NDJSON events:
 * progress `{Name, Bytes}` while bytes are read, then, once a top-level entry's blocks are
 * committed and pinned, `{Name, Hash, Size}` per file and every directory in post-order, the root
 * last. Each top-level entry is added (and pinned) on
 * its own, as Kubo's adder does, unless `wrap-with-directory` puts everything under one root.
 *
 * Flag parsing is in `settings.ts`, the grouping of multipart entries in `groups.ts`, the import
 * pipeline in `import.ts` and the NDJSON events in `output.ts`.
 */
import { arg, opt } from '../../command.js'
import type { CommandContext, CommandTable } from '../../context.js'
import { KuboApiError } from '../../errors.js'
import { addPin } from '../pin.js'
import { topLevelGroups, wholeUpload } from './groups.js'
import { importGroup } from './import.js'
import { addSettings } from './settings.js'

export { type AddSettings, addSettings, parseChunker } from './settings.js'

async function runAdd(ctx: CommandContext): Promise<void> {
  const settings = addSettings(ctx)
  const files = ctx.files!
  const release = settings.pin ? await ctx.env.gcLock.pinLock() : undefined
  try {
    let added = 0
    const groups = settings.wrap ? wholeUpload(files) : topLevelGroups(files)
    for await (const group of groups) {
      // Block writes overlap with hashing; the group is committed before it is pinned, and its
      // CIDs are told only then: a disk that fills up fails the request before any CID is sent.
      const { root, links, events } = await ctx.node.writeBehind(() => importGroup(ctx, settings, group))
      added++
      if (settings.pin) await addPin(ctx, root.cid, { recursive: true, name: settings.pinName, known: links })
      for (const event of events) await ctx.out.emit(event)
    }
    if (added === 0) throw KuboApiError.command('expected a file argument')
  } finally {
    release?.()
  }
}

export const addCommands: CommandTable = {
  add: {
    args: [arg.file('path', true)],
    options: [
      opt.bool(['recursive', 'r']),
      opt.bool(['dereference-args']),
      opt.string('stdin-name'),
      opt.bool(['hidden', 'H']),
      opt.bool(['empty-dirs', 'E'], true),
      opt.bool(['quiet', 'q']),
      opt.bool(['quieter', 'Q']),
      opt.bool('silent'),
      opt.bool(['progress', 'p']),
      opt.bool(['only-hash', 'n']),
      opt.bool(['wrap-with-directory', 'w']),
      opt.bool('pin', true),
      opt.string('pin-name'),
      opt.string('to-files'),
      opt.int('cid-version'),
      opt.string('hash'),
      opt.bool('raw-leaves'),
      opt.string(['chunker', 's']),
      opt.bool(['trickle', 't']),
      opt.int('max-file-links'),
      opt.int('max-directory-links'),
      opt.int('max-hamt-fanout'),
      opt.bool('inline'),
      opt.int('inline-limit', 32),
      opt.bool('nocopy'),
      opt.bool('fscache'),
      opt.bool('preserve-mode'),
      opt.bool('preserve-mtime'),
      opt.uint('mode'),
      opt.int64('mtime'),
      opt.uint('mtime-nsecs'),
      opt.bool('fast-provide-root'),
      opt.bool('fast-provide-dag'),
      opt.bool('fast-provide-wait'),
    ],
    run: runAdd,
  },
}
