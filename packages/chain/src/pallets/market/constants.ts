/** Crust's market numbers (crustio/crust runtime and primitives `market` constants). */
import { concatBytes } from '../../primitives/hashing.js'

const MILLICENTS = 10_000_000n
const CENTS = 10_000_000_000n

export const INIT = {
  fileByteFee: MILLICENTS / 1000n,
  fileKeysCountFee: MILLICENTS / 10n,
  maxFileByteFee: MILLICENTS / 10n,
  maxFileKeysCountFee: MILLICENTS,
  maxFileBaseFee: 5n * CENTS,
  /** 0.33 % and 0.3 % in Perbill parts. */
  increaseRatio: 3_300_000,
  decreaseRatio: 3_000_000,
  keysCountFeeThreshold: 5_000_000,
  spowerReadyPeriod: 1_296_000,
} as const

/** 8 GiB: orders must be strictly smaller. */
export const MAXIMUM_FILE_SIZE = 8n * 1024n * 1024n * 1024n
/** Longest CID accepted (bytes of its string form). */
export const MAX_CID_LENGTH = 128
export const MAX_REPLICAS = 200
/** The first owners that get paid for a replica. */
export const REWARD_PERSON = 4
export const STAKING_RATIO = 720_000_000 // 72 % in Perbill parts
export const STORAGE_RATIO = 180_000_000 // 18 %
export const PRICE_UPDATE_OFFSET = 3
export const BASE_FEE_UPDATE_OFFSET = 22
export const STORAGE_REFERENCE_RATIO: [bigint, bigint] = [50n, 100n]
export const MIB = 1_048_576n

/** Share of the remaining file amount each paid replica gets, by remaining paid count (2.5/18, 2.5/15.5, ...). */
export const REPLICA_REWARD_PARTS: Record<number, number> = {
  4: 138_888_888,
  3: 161_290_320,
  2: 192_307_690,
  1: 238_095_240,
}

/**
 * A sub-account of the market's module id "crmarket", derived as Substrate's
 * `into_sub_account` does: "modl" ++ id ++ SCALE(seed str), zero-padded to 32 bytes.
 */
function marketSubAccount(seed: string): Uint8Array {
  const enc = new TextEncoder()
  const seedBytes = enc.encode(seed)
  const raw = concatBytes(enc.encode('modl'), enc.encode('crmarket'), Uint8Array.of(seedBytes.length << 2), seedBytes)
  const out = new Uint8Array(32)
  out.set(raw.subarray(0, 32))
  return out
}

export const STORAGE_POT = marketSubAccount('stor')
export const STAKING_POT = marketSubAccount('stak')
export const RESERVED_POT = marketSubAccount('rese')

/** Files one `calculate_spowers` call may name (Crust's MAX_CALCULATE_SPOWER_FILES_COUNT). */
export const MAX_CALCULATE_SPOWER_FILES_COUNT = 300
/** The ripening sweep's bounds per block: queue slots visited and files rebased. */
export const RIPEN_STEPS_PER_BLOCK = 256
export const RIPEN_FILES_PER_BLOCK = 64
