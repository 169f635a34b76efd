/**
 * `ImOnline` (Substrate's pallet_im_online, index 12 as in Crust's construct_runtime!): each session
 * a validator proves it is online with a heartbeat signed by its `im_online` session key, or by
 * authoring a block; at the session's end the validators that did neither are reported to the
 * offences pallet as Substrate's `UnresponsivenessOffence` (kind `im-online:offlin`, time slot
 * the session index), which staking slashes by that offence's fraction and, as Crust's staking
 * does for any offence of a validator's current slashing span, chills (invulnerables excepted).
 *
 * The heartbeat call has Substrate's arguments `(heartbeat, signature)`. Substrate takes it as an
 * unsigned extrinsic checked in `validate_unsigned`; our transaction pool takes signed extrinsics
 * only, so here any account submits it (the node sends it from its validator account) and the same
 * checks run at dispatch: an accepted heartbeat pays no fee, a refused one (forged, replayed,
 * stale, unknown key) pays its fee like any failed call, so spamming them costs.
 */
import { u8aEq } from '@polkadot/util'
import { sr25519Verify } from '@polkadot/util-crypto'
import { call, constant, definePallet, ensureSigned, errors, event, moduleError, type BlockContext, type Pallet } from '../../frame/pallet.js'
import { doubleMapWithDefault, optionalDoubleMap, type StorageAccess, type StorageReader, valueWithDefault } from '../../frame/storage.js'
import { accountId32, bool, fixedBytes, type Infer, named, newtype, struct, tuple, u32, u64, vec } from '../../primitives/codec/scale-type.js'
import { reportOffence, UNRESPONSIVENESS } from '../offences/index.js'
import { activeKeysOf } from '../staking/session-keys.js'
import { CurrentIndex, SessionValidators } from '../staking/session.js'
import { stakingOnOffence } from '../staking/slashing.js'
import { ActiveEra, ErasStakers } from '../staking/storage.js'
import { type Exposure, exposure } from '../staking/types.js'

const PALLET = 'ImOnline'
const sessionIndex = named(u32, 'SessionIndex')
const authIndex = named(u32, 'AuthIndex')
const validatorId = named(accountId32, 'T::ValidatorId')
const blockNumber = named(u32, 'BlockNumberFor<T>')

const sr25519Public = newtype(['sp_core', 'sr25519', 'Public'], fixedBytes(32))
export const authorityId = named(newtype(['pallet_im_online', 'sr25519', 'app_sr25519', 'Public'], sr25519Public, { typeName: 'Public' }), 'T::AuthorityId')
const sr25519Signature = newtype(['sp_core', 'sr25519', 'Signature'], fixedBytes(64))
const signature = named(
  newtype(['pallet_im_online', 'sr25519', 'app_sr25519', 'Signature'], sr25519Signature, { typeName: 'Signature' }),
  '<T::AuthorityId as RuntimeAppPublic>::Signature',
)

export const heartbeat = struct(
  ['pallet_im_online', 'Heartbeat'],
  { block_number: named(u32, 'BlockNumber'), session_index: sessionIndex, authority_index: authIndex, validators_len: named(u32, 'u32') },
  { params: [{ name: 'BlockNumber', type: null }] },
)
export type Heartbeat = Infer<typeof heartbeat>

/** The bytes an `im_online` key signs: the SCALE-encoded heartbeat (Substrate signs `heartbeat.encode()`). */
export const heartbeatPayload = (hb: Heartbeat): Uint8Array => heartbeat.codec.enc(hb)

export const HeartbeatAfter = valueWithDefault({
  pallet: PALLET,
  name: 'HeartbeatAfter',
  value: blockNumber,
  default: 0,
  docs: ["The block number after which it's ok to send heartbeats in the current session."],
})
export const Keys = valueWithDefault({
  pallet: PALLET,
  name: 'Keys',
  value: named(vec(authorityId), 'WeakBoundedVec<T::AuthorityId, T::MaxKeys>'),
  default: [] as Uint8Array[],
  docs: ['The current set of keys that may issue a heartbeat.'],
})
export const ReceivedHeartbeats = optionalDoubleMap({
  pallet: PALLET,
  name: 'ReceivedHeartbeats',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: sessionIndex,
  key2: authIndex,
  value: bool,
  docs: ['For each session index, we keep a mapping of `SessionIndex` and `AuthIndex`.'],
})
export const AuthoredBlocks = doubleMapWithDefault({
  pallet: PALLET,
  name: 'AuthoredBlocks',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: sessionIndex,
  key2: validatorId,
  value: named(u32, 'u32'),
  default: 0,
  docs: ['For each session index, we keep a mapping of `ValidatorId<T>` to the number of blocks authored by the given authority.'],
})

export const imOnlineEvents = {
  HeartbeatReceived: event(0, { authority_id: authorityId }, 'A new heartbeat was received from `AuthorityId`.'),
  AllGood: event(1, {}, 'At the end of the session, no offence was committed.'),
  SomeOffline: event(
    2,
    { offline: vec(tuple(validatorId, named(exposure, 'IdentificationTuple<T>'))) },
    'At the end of the session, at least one validator was found to be offline.',
  ),
}

export const imOnlineErrors = errors({
  InvalidKey: [0, 'Non existent public key.'],
  DuplicatedHeartbeat: [1, 'Duplicated heartbeat.'],
  StaleHeartbeat: [2, 'Not in Substrate (an invalid unsigned transaction there): the heartbeat is for another session.'],
  InvalidValidatorsLen: [3, 'Not in Substrate (an invalid unsigned transaction there): the heartbeat names another number of validators.'],
  BadSignature: [4, "Not in Substrate (an invalid unsigned transaction there): the signature is not the authority key's signature of the heartbeat."],
})

// Crust runtime/src/weights/pallet_im_online.rs `validate_unsigned_and_then_heartbeat(k, e)` for k keys
// (RocksDbWeight): 112_814_000 + 215_000·k + 491_000·e + 4 reads + 1 write; our heartbeat carries no
// network state, so e (its external addresses) is 0.
const heartbeatWeight = (keys: number) => 112_814_000n + 215_000n * BigInt(keys) + 4n * 25_000_000n + 1n * 100_000_000n

const keyOf = (state: StorageAccess, stash: Uint8Array) => activeKeysOf(state, stash)?.im_online ?? stash

/** At a session's start: its validators' `im_online` keys in force, and when heartbeats may be sent (half way in, as Substrate). */
export function imOnlineNewSession(state: StorageAccess, sessionLength: number): void {
  Keys.put(
    state,
    SessionValidators.get(state).map((v) => keyOf(state, v)),
  )
  HeartbeatAfter.put(state, CurrentIndex.get(state) * sessionLength + Math.floor(sessionLength / 2))
}

/** Whether the validator at `index` of the session's set sent a heartbeat or authored a block in `session`. */
export function isOnline(state: StorageReader, session: number, index: number, validator: Uint8Array): boolean {
  return ReceivedHeartbeats.contains(state, session, index) || AuthoredBlocks.get(state, session, validator) > 0
}

/**
 * Before the session ends (Substrate's `on_before_session_ending`): the validators that neither sent
 * a heartbeat nor authored a block are reported offline (SomeOffline, then the offence), or AllGood;
 * the session's heartbeats and block counts are dropped. Not in Substrate: nothing is reported for
 * a session in which no validator of the set authored a block (see below).
 */
export function imOnlineSessionEnding(ctx: Pick<BlockContext, 'state' | 'config' | 'deposit'>): void {
  const { state } = ctx
  const session = CurrentIndex.get(state)
  const validators = SessionValidators.get(state)
  const keys = Keys.get(state)
  const offline = validators.filter((v, i) => !isOnline(state, session, i, v))
  // A session none of whose blocks came from its validators is not theirs to answer for: a
  // single-authority dev chain keeps authoring with its dev key while the election names others.
  const authoredBySet = validators.some((v) => AuthoredBlocks.get(state, session, v) > 0)
  for (const [i, v] of validators.entries()) {
    ReceivedHeartbeats.remove(state, session, i)
    AuthoredBlocks.remove(state, session, v)
  }
  if (!authoredBySet) return
  if (offline.length === 0) {
    ctx.deposit(imOnlineEvents.AllGood, {})
    return
  }
  const era = ActiveEra.get(state)?.index ?? 0
  ctx.deposit(imOnlineEvents.SomeOffline, { offline: offline.map((v): [Uint8Array, Exposure] => [v, ErasStakers.get(state, era, v)]) })
  const timeSlot = u32.codec.enc(session)
  reportOffence(ctx, [], { kind: UNRESPONSIVENESS, timeSlot, offenders: offline, era, validatorSetCount: keys.length }, stakingOnOffence)
}

export function imOnlinePallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_im_online',
    storage: [HeartbeatAfter, Keys, ReceivedHeartbeats, AuthoredBlocks],
    events: imOnlineEvents,
    errors: imOnlineErrors,
    constants: {
      UnsignedPriority: constant(named(u64, 'TransactionPriority'), () => 2n ** 64n - 1n, 'A configuration for base priority of unsigned transactions.'),
    },
    calls: {
      heartbeat: call({
        index: 0,
        args: { heartbeat, signature },
        weight: (args) => heartbeatWeight(args.heartbeat.validators_len),
        docs: ['A heartbeat of a validator for the current session, signed with its `im_online` session key.'],
        dispatch: (ctx, origin, args) => {
          ensureSigned(origin)
          const hb = args.heartbeat
          const session = CurrentIndex.get(ctx.state)
          if (hb.session_index !== session) throw moduleError(imOnlineErrors.StaleHeartbeat)
          const keys = Keys.get(ctx.state)
          const key = keys[hb.authority_index]
          if (key === undefined) throw moduleError(imOnlineErrors.InvalidKey)
          if (hb.validators_len !== keys.length) throw moduleError(imOnlineErrors.InvalidValidatorsLen)
          if (ReceivedHeartbeats.contains(ctx.state, session, hb.authority_index)) throw moduleError(imOnlineErrors.DuplicatedHeartbeat)
          let valid = false
          try {
            valid = args.signature.length === 64 && sr25519Verify(heartbeatPayload(hb), args.signature, key)
          } catch {
            valid = false
          }
          if (!valid) throw moduleError(imOnlineErrors.BadSignature)
          ReceivedHeartbeats.insert(ctx.state, session, hb.authority_index, true)
          ctx.deposit(imOnlineEvents.HeartbeatReceived, { authority_id: key })
          return { paysFee: false }
        },
      }),
    },
    // Authorship's `note_author` (Crust's EventHandler = (Staking, ImOnline)): the block's author is online.
    onInitialize: (ctx) => {
      const author = ctx.author
      if (author === undefined) return
      const session = CurrentIndex.get(ctx.state)
      if (!SessionValidators.get(ctx.state).some((v) => u8aEq(v, author))) return
      AuthoredBlocks.insert(ctx.state, session, author, AuthoredBlocks.get(ctx.state, session, author) + 1)
    },
  })
}
