/**
 * Session keys, as Substrate's pallet_session keeps them (NextKeys, KeyOwner, QueuedKeys,
 * QueuedChanged; `set_keys` / `purge_keys`), with Crust's opaque `SessionKeys` layout adapted to
 * our consensus: four 32-byte sr25519 keys in Crust's order, `{ grandpa, aura, im_online,
 * authority_discovery }` (Crust's `babe` slot is our Aura slot key; our finality votes are sr25519,
 * so the grandpa key is sr25519 too). Crust runtime/src/lib.rs:92-99 (impl_opaque_keys!).
 *
 * Timing as pallet_session's `rotate_session`: keys set during session s are queued when session
 * s + 1 starts (QueuedKeys, for the validators of the next session) and are the keys in force from
 * session s + 2. Substrate hands the keys in force to the consensus pallets (Babe, Grandpa,
 * ImOnline); here they stay in `ActiveKeys` (a crust-ts item) for block authoring, finality votes
 * and heartbeats, and `KeysGeneration` counts how often they changed, so the finality voter set id
 * changes with them (see chain/authorities.ts).
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import { call, type DispatchContext, ensureSigned, errors, moduleError } from '../../frame/pallet.js'
import { optionalMap, valueWithDefault, type StorageAccess, type StorageReader } from '../../frame/storage.js'
import { accountId32, bool, bytes, fixedBytes, type Infer, named, newtype, struct, tuple, u32, vec } from '../../primitives/codec/scale-type.js'
import { ErasAuthorities, CurrentEra, Invulnerables, Ledger } from './storage.js'

const PALLET = 'Session'
const validatorId = named(accountId32, 'T::ValidatorId')

/** The 4-byte key type ids, in the SessionKeys field order. */
export const KEY_TYPES = { grandpa: 'gran', aura: 'aura', im_online: 'imon', authority_discovery: 'audi' } as const
export type SessionKeyName = keyof typeof KEY_TYPES
export const SESSION_KEY_NAMES = Object.keys(KEY_TYPES) as SessionKeyName[]
/** Encoded SessionKeys: four 32-byte public keys. */
export const SESSION_KEYS_LENGTH = 32 * SESSION_KEY_NAMES.length

const sr25519Public = newtype(['sp_core', 'sr25519', 'Public'], fixedBytes(32))
const appPublic = (path: string[]) => newtype(path, sr25519Public, { typeName: 'Public' })

export const sessionKeys = struct(['crust_runtime', 'SessionKeys'], {
  grandpa: named(appPublic(['sp_consensus_grandpa', 'app', 'Public']), '<Grandpa as RuntimeAppPublic>::Public'),
  aura: named(appPublic(['sp_consensus_aura', 'sr25519', 'app_sr25519', 'Public']), '<Aura as RuntimeAppPublic>::Public'),
  im_online: named(appPublic(['pallet_im_online', 'sr25519', 'app_sr25519', 'Public']), '<ImOnline as RuntimeAppPublic>::Public'),
  authority_discovery: named(appPublic(['sp_authority_discovery', 'app', 'Public']), '<AuthorityDiscovery as RuntimeAppPublic>::Public'),
})
export type SessionKeys = Infer<typeof sessionKeys>

const keyTypeId = newtype(['sp_core', 'crypto', 'KeyTypeId'], fixedBytes(4))

export const NextKeys = optionalMap({
  pallet: PALLET,
  name: 'NextKeys',
  hasher: 'Twox64Concat',
  key: validatorId,
  value: named(sessionKeys, 'T::Keys'),
  docs: ['The next session keys for a validator.'],
})
export const KeyOwner = optionalMap({
  pallet: PALLET,
  name: 'KeyOwner',
  hasher: 'Twox64Concat',
  key: tuple(keyTypeId, bytes),
  value: validatorId,
  docs: ['The owner of a key. The key is the `KeyTypeId` + the encoded key.'],
})
const keyedValidators = vec(tuple(validatorId, named(sessionKeys, 'T::Keys')))
export const QueuedKeys = valueWithDefault({
  pallet: PALLET,
  name: 'QueuedKeys',
  value: keyedValidators,
  default: [] as Array<[Uint8Array, SessionKeys]>,
  docs: ["The queued keys for the next session. When the next session begins, these keys will be used to determine the validator's session keys."],
})
export const QueuedChanged = valueWithDefault({
  pallet: PALLET,
  name: 'QueuedChanged',
  value: bool,
  default: false,
  docs: ['True if the underlying economic identities or weighting behind the validators has changed in the queued validator set.'],
})
export const ActiveKeys = valueWithDefault({
  pallet: PALLET,
  name: 'ActiveKeys',
  value: keyedValidators,
  default: [] as Array<[Uint8Array, SessionKeys]>,
  docs: [
    'crust-ts: the session keys in force this session (the queued keys of the session before), by validator.',
    'Substrate hands them to its consensus pallets; block authoring, finality and heartbeats read them here.',
  ],
})
export const KeysGeneration = valueWithDefault({
  pallet: PALLET,
  name: 'KeysGeneration',
  value: named(u32, 'u32'),
  default: 0,
  docs: ['crust-ts: how many times `ActiveKeys` changed; part of the finality voter set id.'],
})

export const sessionKeysStorage = [QueuedKeys, QueuedChanged, NextKeys, KeyOwner, ActiveKeys, KeysGeneration]

export const sessionErrors = errors({
  InvalidProof: [0, 'Invalid ownership proof.'],
  NoAssociatedValidatorId: [1, 'No associated validator ID for account.'],
  DuplicatedKey: [2, 'Registered duplicate key.'],
  NoKeys: [3, 'No keys are associated with this account.'],
  NoAccount: [4, "Key setting account is not live, so it's impossible to associate keys."],
})

const typeId = (name: SessionKeyName) => new TextEncoder().encode(KEY_TYPES[name])

/** The same key for every role: the genesis validators' dev keys (their account keys). */
export function uniformKeys(key: Uint8Array): SessionKeys {
  return { grandpa: key, aura: key, im_online: key, authority_discovery: key }
}

/** Decodes SCALE SessionKeys (four 32-byte keys), undefined when the length is wrong. */
export function decodeSessionKeys(encoded: Uint8Array): SessionKeys | undefined {
  if (encoded.length !== SESSION_KEYS_LENGTH) return undefined
  // A copy: scale-ts reads a view's whole underlying buffer (a pooled Buffer would decode garbage).
  return sessionKeys.codec.dec(Uint8Array.from(encoded))
}

export function encodeSessionKeys(keys: SessionKeys): Uint8Array {
  return sessionKeys.codec.enc(keys)
}

/** Records `keys` as the validator's next keys and owns each of them (pallet_session `inner_set_keys`). */
function putKeys(state: StorageAccess, who: Uint8Array, keys: SessionKeys): void {
  const old = NextKeys.get(state, who)
  for (const name of SESSION_KEY_NAMES) {
    const owner = KeyOwner.get(state, [typeId(name), keys[name]])
    if (owner !== undefined && !u8aEq(owner, who)) throw moduleError(sessionErrors.DuplicatedKey)
  }
  for (const name of SESSION_KEY_NAMES) {
    if (old !== undefined && !u8aEq(old[name], keys[name])) KeyOwner.remove(state, [typeId(name), old[name]])
    KeyOwner.insert(state, [typeId(name), keys[name]], who)
  }
  NextKeys.insert(state, who, keys)
}

/**
 * Crust's `ValidatorIdOf = StashOf`: the stash of a controller account. Our genesis validators are
 * not bonded (Crust's genesis bonds its stakers): an invulnerable validator without a ledger is its
 * own validator id, so it can rotate its genesis keys.
 */
function stashOfController(state: StorageReader, controller: Uint8Array): Uint8Array {
  const ledger = Ledger.get(state, controller)
  if (ledger !== undefined) return ledger.stash
  if (Invulnerables.get(state).some((v) => u8aEq(v, controller))) return controller
  throw moduleError(sessionErrors.NoAssociatedValidatorId)
}

// Crust runtime/src/weights/pallet_session.rs (RocksDbWeight: read 25 µs, write 100 µs).
const SET_KEYS_WEIGHT = 91_470_000n + 7n * 25_000_000n + 6n * 100_000_000n
const PURGE_KEYS_WEIGHT = 53_966_000n + 2n * 25_000_000n + 6n * 100_000_000n

export const sessionCalls = {
  set_keys: call({
    index: 0,
    args: { keys: named(sessionKeys, 'T::Keys'), proof: bytes },
    weight: SET_KEYS_WEIGHT,
    docs: [
      'Sets the session key(s) of the function caller to `keys`.',
      'Allows an account to set its session key prior to becoming a validator.',
      "This doesn't take effect until the next session.",
      '',
      'The dispatch origin of this function must be signed by the controller account.',
    ],
    dispatch: (ctx: DispatchContext, origin, args) => {
      const who = stashOfController(ctx.state, ensureSigned(origin))
      putKeys(ctx.state, who, args.keys)
    },
  }),
  purge_keys: call({
    index: 1,
    args: {},
    weight: PURGE_KEYS_WEIGHT,
    docs: ['Removes any session key(s) of the function caller.', '', 'The dispatch origin of this function must be signed by the controller account.'],
    dispatch: (ctx: DispatchContext, origin) => {
      const who = stashOfController(ctx.state, ensureSigned(origin))
      const old = NextKeys.get(ctx.state, who)
      if (old === undefined) throw moduleError(sessionErrors.NoKeys)
      for (const name of SESSION_KEY_NAMES) KeyOwner.remove(ctx.state, [typeId(name), old[name]])
      NextKeys.remove(ctx.state, who)
    },
  }),
}

/** Genesis: each validator's keys (the same key for every role) are queued and in force at once. */
export function buildSessionKeysGenesis(state: StorageAccess, validators: Array<{ id: Uint8Array; keys: SessionKeys }>): void {
  for (const { id, keys } of validators) putKeys(state, id, keys)
  const keyed = validators.map(({ id, keys }): [Uint8Array, SessionKeys] => [id, keys])
  QueuedKeys.put(state, keyed)
  ActiveKeys.put(state, keyed)
}

const hex = (a: Uint8Array) => u8aToHex(a)

/** Who may validate in the session after the next one starts: the session's, the planned era's and the invulnerable validators. */
function upcomingValidators(state: StorageReader, sessionValidators: Uint8Array[]): Uint8Array[] {
  const planned = CurrentEra.get(state)
  const all = [...sessionValidators, ...(planned === undefined ? [] : ErasAuthorities.get(state, planned)), ...Invulnerables.get(state)]
  const seen = new Set<string>()
  return all.filter((v) => !seen.has(hex(v)) && seen.add(hex(v)) !== undefined)
}

/**
 * At a session's start (after staking's rotation, with the new session's validators): the queued
 * keys come into force, and the next keys of the validators that may validate next are queued
 * (pallet_session `rotate_session`).
 */
export function rotateSessionKeys(state: StorageAccess, sessionValidators: Uint8Array[]): void {
  const queued = QueuedKeys.get(state)
  const before = ActiveKeys.get(state)
  const encode = (list: Array<[Uint8Array, SessionKeys]>) => hex(keyedValidators.codec.enc(list))
  if (encode(before) !== encode(queued)) {
    ActiveKeys.put(state, queued)
    KeysGeneration.put(state, KeysGeneration.get(state) + 1)
  }
  const next: Array<[Uint8Array, SessionKeys]> = []
  for (const v of upcomingValidators(state, sessionValidators)) {
    const keys = NextKeys.get(state, v)
    if (keys !== undefined) next.push([v, keys])
  }
  QueuedChanged.put(state, encode(next) !== encode(queued))
  QueuedKeys.put(state, next)
}

/** The keys in force for `stash` this session (undefined: it has none; it then uses its account key). */
export function activeKeysOf(state: StorageReader, stash: Uint8Array): SessionKeys | undefined {
  return ActiveKeys.get(state).find(([v]) => u8aEq(v, stash))?.[1]
}

/** The validator that owns `key` as its `name` key in force this session, if any. */
export function activeOwnerOf(state: StorageReader, name: SessionKeyName, key: Uint8Array): Uint8Array | undefined {
  return ActiveKeys.get(state).find(([, keys]) => u8aEq(keys[name], key))?.[0]
}

/** The validator that registered `key` as its `name` key (KeyOwner), if any. */
export function keyOwnerOf(state: StorageReader, name: SessionKeyName, key: Uint8Array): Uint8Array | undefined {
  return KeyOwner.get(state, [typeId(name), key])
}

/**
 * The finality voter set id: the active era in the low 32 bits and the session keys' generation
 * (how often the keys in force changed) above, so an era without key changes keeps its era index.
 */
export function voterSetId(era: number, keysGeneration: number): number {
  return keysGeneration * 2 ** 32 + era
}

/** The era of a voter set id (see {@link voterSetId}). */
export function eraOfSetId(setId: bigint): number {
  return Number(setId & 0xffff_ffffn)
}
