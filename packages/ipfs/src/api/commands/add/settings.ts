/** `add` flag parsing: the request's options checked and resolved into {@link AddSettings} before the body is read. */
import { KUBO_CHUNK_SIZE } from '../../../node/constants.js'
import type { KuboAddFlags } from '../../../node/kubo-options.js'
import { MAX_CHUNK_SIZE } from '../../constants.js'
import type { CommandContext } from '../../context.js'
import { KuboApiError } from '../../errors.js'
import { validatePinName } from '../pin.js'

/** Import settings resolved from the options, as Kubo's `UnixfsAddOptions`. */
export interface AddSettings {
  /**
   * The flags that change CIDs, as given; what is left out takes Kubo's default from
   * `kuboAddOptions` (the one place those defaults live).
   */
  flags: KuboAddFlags
  pin: boolean
  pinName: string | undefined
  onlyHash: boolean
  wrap: boolean
  progress: boolean
  silent: boolean
}

function unsupported(option: string): KuboApiError {
  return KuboApiError.command(`option ${JSON.stringify(option)} is not supported by this node`)
}

/** Go's `strconv.Atoi` error text. */
function atoiError(s: string): KuboApiError {
  return KuboApiError.command(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`)
}

/** boxo `chunk.FromString` for the fixed-size chunker. */
export function parseChunker(chunker: string | undefined): number {
  if (chunker === undefined || chunker === '' || chunker === 'default') return KUBO_CHUNK_SIZE
  const name = chunker.split('-', 1)[0]!
  if (name === 'rabin' || name === 'buzhash') {
    throw KuboApiError.command(`chunker ${JSON.stringify(chunker)} is not supported by this node (use size-N)`)
  }
  if (name !== 'size') throw KuboApiError.command(`unrecognized chunker option: ${chunker}`)
  const parts = chunker.split('-')
  if (parts.length !== 2) throw KuboApiError.command('incorrect chunker string format (expected size-{size})')
  if (!/^[+-]?\d+$/.test(parts[1]!)) throw atoiError(parts[1]!)
  const size = Number(parts[1])
  if (size <= 0) throw KuboApiError.command('chunker size must be greater than 0')
  if (size > MAX_CHUNK_SIZE) {
    throw KuboApiError.command(`chunker parameters may not exceed the maximum chunk size of ${MAX_CHUNK_SIZE}`)
  }
  return size
}

/** Resolves and validates the add options before the body is read. */
export function addSettings(ctx: CommandContext): AddSettings {
  const o = ctx.options
  for (const name of ['trickle', 'inline', 'nocopy', 'preserve-mode', 'preserve-mtime']) {
    if (o.bool(name) === true) throw unsupported(name)
  }
  if (o.string('to-files') !== undefined) throw unsupported('to-files')
  if ((o.number('mode') ?? 0) !== 0 || (o.bigint('mtime') ?? 0n) !== 0n) throw unsupported('mode/mtime')
  for (const name of ['max-directory-links', 'max-hamt-fanout']) if (o.has(name)) throw unsupported(name)
  const hash = (o.string('hash') ?? 'sha2-256').toLowerCase()
  const version = o.number('cid-version')
  if (hash !== 'sha2-256') {
    if (version === 0) throw KuboApiError.command('CIDv0 only supports sha2-256')
    throw KuboApiError.command(`hash function ${JSON.stringify(hash)} is not supported by this node (only sha2-256)`)
  }
  if (version !== undefined && version !== 0 && version !== 1) throw KuboApiError.command(`unknown CID version: ${version}`)
  const flags: KuboAddFlags = {}
  if (version !== undefined) flags.cidVersion = version as 0 | 1
  // unset, raw leaves follow the CID version (CIDv1 implies raw leaves)
  const rawLeaves = o.bool('raw-leaves')
  if (rawLeaves !== undefined) flags.rawLeaves = rawLeaves
  flags.chunkSize = parseChunker(o.string('chunker'))
  const maxLinks = o.number('max-file-links')
  if (maxLinks !== undefined && maxLinks > 0) flags.maxChildrenPerNode = maxLinks
  const onlyHash = o.bool('only-hash') ?? false
  const pin = (o.bool('pin') ?? true) && !onlyHash
  const pinName = o.string('pin-name')
  if (pinName !== undefined) {
    if (!(o.bool('pin') ?? true)) throw KuboApiError.command('pin-name option requires pin to be set')
    validatePinName(pinName)
  }
  const silent = o.bool('silent') ?? false
  return {
    flags,
    pin,
    pinName,
    onlyHash,
    wrap: o.bool('wrap-with-directory') ?? false,
    progress: o.bool('progress') ?? false,
    silent,
  }
}
