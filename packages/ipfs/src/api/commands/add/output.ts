/**
 * `add` NDJSON output, as Kubo emits it: progress `{Name, Bytes}` while bytes are read,
 * `{Name, Hash, Size}` per file as it completes, then every directory in post-order.
 */
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import { PROGRESS_INCREMENT } from '../../constants.js'
import type { CommandContext } from '../../context.js'
import { parseUnixfs, UNIXFS_DIRECTORY } from '../../unixfs-meta.js'
import type { Group } from './groups.js'

/** Counts a file's bytes and reports progress as Kubo's `progressReader` (every 256 KiB and at EOF). */
export async function* withProgress(ctx: CommandContext, source: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  let bytes = 0
  let reported = 0
  for await (const chunk of source) {
    bytes += chunk.byteLength
    yield chunk
    while (bytes - reported >= PROGRESS_INCREMENT) {
      reported += PROGRESS_INCREMENT
      await ctx.out.emit({ Name: name, Bytes: reported })
    }
  }
  await ctx.out.emit({ Name: name, Bytes: bytes === 0 ? undefined : bytes })
}

export interface DirEvent {
  name: string
  cid: CID
  size: bigint
}

/** Every directory under `root`, post-order, links in node order (Kubo's `outputDirs`). */
export function directoryEvents(root: DirEvent, dirBlocks: Map<string, Uint8Array>): DirEvent[] {
  const events: DirEvent[] = []
  const children = (bytes: Uint8Array): Array<{ name: string; cid: CID; size: bigint }> => {
    const node = dagPb.decode(bytes)
    const meta = parseUnixfs(node.Data ?? new Uint8Array())
    if (meta.type === UNIXFS_DIRECTORY) {
      return node.Links.map((l) => ({ name: l.Name ?? '', cid: l.Hash, size: BigInt(l.Tsize ?? 0) }))
    }
    const padLength = (Number(meta.fanout ?? 256n) - 1).toString(16).length
    const out: Array<{ name: string; cid: CID; size: bigint }> = []
    for (const l of node.Links) {
      const name = l.Name ?? ''
      if (name.length === padLength) {
        const shard = dirBlocks.get(l.Hash.toString())
        if (shard !== undefined) out.push(...children(shard))
      } else {
        out.push({ name: name.slice(padLength), cid: l.Hash, size: BigInt(l.Tsize ?? 0) })
      }
    }
    return out
  }
  const walk = (dir: DirEvent): void => {
    const bytes = dirBlocks.get(dir.cid.toString())
    if (bytes === undefined) return
    for (const child of children(bytes)) {
      if (dirBlocks.has(child.cid.toString())) {
        walk({ name: dir.name === '' ? child.name : `${dir.name}/${child.name}`, cid: child.cid, size: child.size })
      }
    }
    events.push(dir)
  }
  walk(root)
  return events
}

/** The `{Name, Hash, Size}` event of an added file or directory, with the group's mode and mtime. */
export function addEvent(ctx: CommandContext, group: Group, name: string, cid: CID, size: bigint): Record<string, unknown> {
  const event: Record<string, unknown> = { Name: name, Hash: ctx.encodeCid(cid), Size: size.toString() }
  if (group.mode !== undefined && group.mode !== 0) event.Mode = `0${group.mode.toString(8)}`
  if (group.mtime !== undefined && group.mtime.secs > 0n) {
    event.Mtime = group.mtime.secs
    if ((group.mtime.nsecs ?? 0) > 0) event.MtimeNsecs = group.mtime.nsecs
  }
  return event
}
