/**
 * Checks a peer's batch of headers before any body is fetched, with the chain's own header checks
 * (link and number, Aura slot, the slot author's seal), so sync refuses exactly what import would.
 */
import {
  type BlockRecord,
  BlockImportError,
  BlockImportErrorCode,
  checkHeaderLink,
  checkSeal,
  checkSlot,
  decodeHeader,
  type Header,
  hashHeader,
} from '@crust-ts/chain'
import { u8aToHex } from '@polkadot/util'

/** A peer's header that passed the header checks: its bytes, decoded form and hash. */
export interface CheckedHeader {
  bytes: Uint8Array
  header: Header
  hash: Uint8Array
}

/** The outcome of {@link checkHeaders}: the headers that passed, in order, and why the rest did not (when it is the peer's fault). */
export interface HeaderCheck {
  checked: CheckedHeader[]
  /** Set when a header is certainly invalid: the peer is penalised and the batch dropped. */
  fault?: string
}

/** The fault reported for each header check failure. */
const FAULTS: Partial<Record<BlockImportErrorCode, string>> = {
  [BlockImportErrorCode.BAD_NUMBER]: 'header numbers not consecutive',
  [BlockImportErrorCode.UNKNOWN_PARENT]: 'header does not link to its parent',
  [BlockImportErrorCode.NO_SLOT]: 'header without an Aura slot',
  [BlockImportErrorCode.SLOT_NOT_INCREASING]: 'header slot does not increase',
  [BlockImportErrorCode.NO_SEAL]: 'header without a seal',
}
const NOT_SLOT_AUTHOR = 'header seal is not its slot author'

/** The fault of a failed link, number, slot or seal-presence check. */
function faultOf(err: unknown): string {
  const fault = err instanceof BlockImportError ? FAULTS[err.code] : undefined
  if (fault === undefined) throw err
  return fault
}

/**
 * Checks a peer's batch of consecutive headers on `parent` before any body is fetched: each decodes,
 * links to the previous one (`parent` for the first), has the next number, an Aura slot above the
 * previous one and an Aura seal. The first header's seal must be its slot author's under
 * `authorities` (the set for blocks on `parent`, exactly what import checks); a later header's seal
 * must be its slot author's or, at least, one of `authorities`' (the set may change inside the
 * batch). A later header sealed by none of them may be from a new authority set: the batch stops
 * before it without fault (it comes first in the next batch, checked exactly then).
 */
export function checkHeaders(parent: BlockRecord, parentSlot: number | undefined, authorities: readonly Uint8Array[], headers: Uint8Array[]): HeaderCheck {
  const checked: CheckedHeader[] = []
  let prev = { hash: parent.hash, number: parent.number, slot: parentSlot }
  for (const [i, bytes] of headers.entries()) {
    let header: Header
    try {
      header = decodeHeader(bytes)
    } catch {
      return { checked: [], fault: 'undecodable header' }
    }
    const hash = hashHeader(bytes)
    const id = { hash: u8aToHex(hash), number: header.number }
    let slot: number
    try {
      checkHeaderLink(header, id, prev)
      slot = checkSlot(header, id, prev.slot)
    } catch (err) {
      return { checked: [], fault: faultOf(err) }
    }
    try {
      checkSeal(header, id, slot, authorities)
    } catch (err) {
      if (err instanceof BlockImportError && err.code === BlockImportErrorCode.NO_SEAL) return { checked: [], fault: faultOf(err) }
      // Not sealed by the slot's author: by another of `authorities` (WRONG_AUTHOR), by none of
      // them (BAD_SEAL), or there is no authority at all (RangeError).
      const other = err instanceof BlockImportError && err.code === BlockImportErrorCode.WRONG_AUTHOR
      if (!other && !(err instanceof RangeError) && !(err instanceof BlockImportError && err.code === BlockImportErrorCode.BAD_SEAL)) throw err
      if (i === 0) return { checked: [], fault: NOT_SLOT_AUTHOR }
      if (!other) break
    }
    checked.push({ bytes, header, hash })
    prev = { hash, number: header.number, slot }
  }
  return { checked }
}
