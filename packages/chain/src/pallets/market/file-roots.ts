/**
 * Not in Crust: each file's content commitment (`@crust-ts/protocol`'s storageProof root over 1 KiB
 * segments of the DAG's blocks in DAG order), which storage challenges are verified against. A root
 * is fixed by the order that creates the file (`place_storage_order_with_root`) or, for a file
 * ordered without one, when two of its replica holders submit the same root (`Challenges.submit_file_root`);
 * until then each holder's submission waits in `FileRootCandidates`. Both go when the file closes.
 */
import { accountId32, h256, named, struct, tuple, u64, vec } from '../../primitives/codec/scale-type.js'
import type { Infer } from '../../primitives/codec/scale-type.js'
import { mapWithDefault, optionalMap, type StorageAccess } from '../../frame/storage.js'
import { merkleRoot } from './types.js'

/** A content commitment: the 32-byte root and the content size (bytes) it binds. */
export const contentRoot = struct(['pallet_market', 'ContentRoot'], { root: h256, size: u64 })
export type ContentRoot = Infer<typeof contentRoot>

const P = 'Market'
const account = named(accountId32, 'T::AccountId')

export const FileRoots = optionalMap({
  pallet: P,
  name: 'FileRoots',
  hasher: 'Twox64Concat',
  key: merkleRoot,
  value: contentRoot,
  docs: ["Not in Crust: a file's fixed content root (storage challenges are verified against it), by CID."],
})

export const FileRootCandidates = mapWithDefault({
  pallet: P,
  name: 'FileRootCandidates',
  hasher: 'Twox64Concat',
  key: merkleRoot,
  value: vec(tuple(account, contentRoot)),
  default: [] as Array<[Uint8Array, ContentRoot]>,
  docs: ['Not in Crust: roots submitted by replica holders of a file whose root is not fixed yet, by CID.'],
})

export const FILE_ROOTS_STORAGE = [FileRoots, FileRootCandidates]

export const sameRoot = (a: ContentRoot, b: ContentRoot): boolean => a.size === b.size && Buffer.compare(Buffer.from(a.root), Buffer.from(b.root)) === 0

/** Forgets a closed file's root and candidates. */
export function forgetFileRoot(state: StorageAccess, cid: Uint8Array): void {
  FileRoots.remove(state, cid)
  FileRootCandidates.remove(state, cid)
}
