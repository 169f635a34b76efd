/** `add` multipart grouping: the upload's entries split into the units Kubo's adder adds and pins on its own. */
import { KuboApiError } from '../../errors.js'
import type { MultipartEntry, Mtime } from '../../multipart.js'

/** One unit Kubo's adder adds and pins on its own: a top-level entry, or everything when wrapping. */
export interface Group {
  /** Path of the group's root: the top-level name, `''` when wrapping or for an unnamed part. */
  root: string
  entries: AsyncIterable<MultipartEntry>
  /** Mode and mtime of the top-level part; Kubo copies them into every event of the group. */
  mode: number | undefined
  mtime: Mtime | undefined
}

function topName(path: string): string {
  const i = path.indexOf('/')
  return i < 0 ? path : path.slice(0, i)
}

/** Splits the entries into top-level groups (contiguous entries under the same first segment). */
export async function* topLevelGroups(entries: AsyncIterable<MultipartEntry>): AsyncGenerator<Group> {
  const it = entries[Symbol.asyncIterator]()
  let pending = await it.next()
  while (pending.done !== true) {
    const first: MultipartEntry = pending.value
    const root = topName(first.path)
    let exhausted = false
    const members = async function* (): AsyncGenerator<MultipartEntry> {
      yield first
      for (;;) {
        pending = await it.next()
        if (pending.done === true || root === '') break
        const p = pending.value.path
        if (p !== root && !p.startsWith(`${root}/`)) break
        yield pending.value
      }
      exhausted = true
    }
    const own = first.path === root
    yield { root, entries: members(), mode: own ? first.mode : undefined, mtime: own ? first.mtime : undefined }
    if (!exhausted) throw KuboApiError.command('add: a top-level entry was not read to its end')
  }
}

/** The whole upload as one group (`wrap-with-directory`). */
export async function* wholeUpload(entries: AsyncIterable<MultipartEntry>): AsyncGenerator<Group> {
  yield { root: '', entries, mode: undefined, mtime: undefined }
}
