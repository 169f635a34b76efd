/**
 * What the Files page uploads: one file, or a folder with everything under it, sent to the W3Auth
 * gateway's `add` as Kubo's clients send a folder (one multipart part per directory and file, named
 * by its path under the folder, directories typed `application/x-directory`), so the folder becomes
 * one UnixFS directory named after it and its CID is the one `crust upload <folder>` gets.
 */

/** A directory (no file) or a file, at a `/`-separated path whose first segment is the upload's name. */
export interface UploadPart {
  path: string
  file?: File
}

export interface Picked {
  name: string
  folder: boolean
  /** Content bytes (the files' sizes summed). */
  size: number
  parts: UploadPart[]
}

export interface Added {
  cid: string
  name: string
  /** The DAG's cumulative size, as the order takes it. */
  size: bigint
  folder: boolean
}

function picked(name: string, folder: boolean, parts: UploadPart[]): Picked {
  return { name, folder, size: parts.reduce((sum, p) => sum + (p.file?.size ?? 0), 0), parts }
}

export const pickFile = (file: File): Picked => picked(file.name, false, [{ path: file.name, file }])

/** Every directory on the way to each file, once, as parts of their own (so each becomes a UnixFS directory). */
function withDirectories(files: Array<{ path: string; file: File }>): UploadPart[] {
  const dirs = new Set<string>()
  for (const f of files) {
    const segments = f.path.split('/')
    for (let i = 1; i < segments.length; i++) dirs.add(segments.slice(0, i).join('/'))
  }
  const parts: UploadPart[] = [...[...dirs].map((path) => ({ path })), ...files]
  return parts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** A folder from `<input webkitdirectory>`: each file's `webkitRelativePath` starts with the folder's name. */
export function pickFolderInput(files: FileList): Picked | undefined {
  const list = [...files].map((file) => ({ path: file.webkitRelativePath || file.name, file }))
  const name = list[0]?.path.split('/')[0]
  if (name === undefined) return undefined
  return picked(name, true, withDirectories(list))
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject))

/** Walks a dropped folder (directory readers hand out their entries in batches until an empty one). */
async function walk(entry: FileSystemEntry, prefix: string, out: UploadPart[]): Promise<void> {
  const path = `${prefix}${entry.name}`
  if (entry.isFile) {
    out.push({ path, file: await fileOf(entry as FileSystemFileEntry) })
    return
  }
  if (!entry.isDirectory) return
  out.push({ path })
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject))
    if (batch.length === 0) break
    for (const child of batch) await walk(child, `${path}/`, out)
  }
}

/**
 * What was dropped: a folder (walked), or the first file. The entries must be taken while the drop
 * event runs, so call this synchronously from the handler.
 */
export function pickDrop(data: DataTransfer | null): Promise<Picked | undefined> {
  const entry = data?.items[0]?.webkitGetAsEntry?.() ?? null
  const file = data?.files[0]
  if (entry?.isDirectory === true) {
    const parts: UploadPart[] = []
    return walk(entry, '', parts).then(() =>
      picked(
        entry.name,
        true,
        parts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      ),
    )
  }
  return Promise.resolve(file === undefined ? undefined : pickFile(file))
}

/** A part's name as Kubo's clients write it: each segment URL-escaped, `/` between them. */
const partName = (path: string) => path.split('/').map(encodeURIComponent).join('/')

/** POST /api/v0/add through the W3Auth gateway, with upload progress. */
export function upload(gateway: string, token: string, what: Picked, onProgress: (sent: number) => void): Promise<Added> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${gateway.replace(/\/+$/, '')}/api/v0/add?pin=true&cid-version=0`)
    xhr.setRequestHeader('authorization', `Basic ${token}`)
    xhr.upload.onprogress = (e) => onProgress(e.loaded)
    xhr.onerror = () => reject(new Error(`cannot reach the W3Auth gateway at ${gateway}: is it running?`))
    xhr.onload = () => {
      if (xhr.status === 401) return reject(new Error('the gateway refused the signature (401): sign again with an account of this network'))
      if (xhr.status !== 200) return reject(new Error(`the gateway answered ${xhr.status}: ${xhr.responseText.slice(0, 200)}`))
      // One JSON line per added file and directory; the upload's root is the one named after it.
      const lines = xhr.responseText
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { Hash?: string; Name?: string; Size?: string; Message?: string })
      const failed = lines.find((l) => l.Hash === undefined && l.Message !== undefined)
      if (failed !== undefined) return reject(new Error(`the gateway could not add it: ${failed.Message}`))
      const root = lines.find((l) => l.Hash !== undefined && l.Name === what.name) ?? lines.at(-1)
      if (root?.Hash === undefined) return reject(new Error('the gateway answered without a CID'))
      resolve({ cid: root.Hash, name: what.name, size: BigInt(root.Size ?? 0), folder: what.folder })
    }
    const form = new FormData()
    for (const part of what.parts) {
      if (part.file === undefined) form.append('file', new Blob([], { type: 'application/x-directory' }), partName(part.path))
      else form.append('file', part.file, partName(part.path))
    }
    xhr.send(form)
  })
}
