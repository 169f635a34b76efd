/** What the sManager reads from and sends to the chain (a seam: tests pass a fake). */

/** An order as `market.filesV2(cid)` holds it. */
export interface OnChainFile {
  cid: string
  /** `file_size`, bytes. */
  size: number
  /** `expired_at` (0 until the first replica is reported). */
  expiredAt: number
  /** `reported_replica_count`. */
  replicas: number
  /** Accounts (SS58) holding a replica. */
  holders: string[]
}

/** The `market` events the sManager reacts to. */
export type MarketEvent =
  | { kind: 'ordered'; cid: string }
  | { kind: 'renewed'; cid: string }
  | { kind: 'calculated'; cid: string }
  | { kind: 'closed'; cid: string; reason: 'fileClosed' | 'illegalFileClosed' }

export interface BlockEvents {
  number: number
  hash: string
  events: MarketEvent[]
}

/** The group a member node belongs to (`swork.identities(account).group` → `swork.groups(owner)`). */
export interface ChainGroup {
  owner: string
  members: string[]
}

/** Outcome of one `market.calculateReward` that made it into a block. */
export type SettleOutcome = { ok: true } | { ok: false; error: string }

export interface ChainClient {
  /** Calls `onHead` with each new best block number; resolves to the unsubscribe function. */
  subscribeHeads(onHead: (number: number) => void): Promise<() => void>
  head(): Promise<{ number: number; hash: string }>
  blockEvents(number: number): Promise<BlockEvents>
  /** The hash of the best chain's block `number` (to notice a reorg), or undefined past the head. */
  blockHash(number: number): Promise<string | undefined>
  /** The order of `cid` (at block `at`, a hash, or the best block). */
  file(cid: string, at?: string): Promise<OnChainFile | undefined>
  files(cids: string[]): Promise<Array<OnChainFile | undefined>>
  /** Every order at block `at`, a page at a time. */
  scanFiles(pageSize: number, at: string): AsyncGenerator<OnChainFile[]>
  /** The group of `account`, or undefined when it has no identity or no group. */
  group(account: string): Promise<ChainGroup | undefined>
  /**
   * Submits `market.calculateReward(cid)` signed by the node account and waits for its block.
   * Throws `SMANAGER_ERROR_SETTLE_FAILED` with `meta.retryable` when the pool refused it for a
   * nonce clash (1010 outdated, 1014 priority too low) or dropped it.
   */
  calculateReward(cid: string): Promise<SettleOutcome>
}

/** One open challenge: a file this node holds and the 1 KiB segment of its content asked for. */
export interface OpenChallenge {
  cid: string
  segment: number
}

/** The node's open challenges of one report slot (`Challenges.OpenChallenges(account)`). */
export interface OpenChallengeSet {
  slot: bigint
  issuedAt: number
  /** Last block (inclusive) an answer is accepted in. */
  deadline: number
  challenges: OpenChallenge[]
}

/** The answer to one challenge, as `challenges.answer_challenges` takes it: 0x hex. */
export interface SegmentProofAnswer {
  segment: string
  path: string[]
}

/** A file's content root (`Market.FileRoots`): 0x hex of 32 bytes, and the content size it binds. */
export interface ContentRootValue {
  root: string
  size: number
}

/** How a submitted challenges call fared once in a block: dispatch ok, or the chain's error name. */
export type ChallengeTxOutcome = { ok: true; events: Array<{ method: string; data: Record<string, unknown> }> } | { ok: false; error: string }

/**
 * The sManager's storage-challenge calls and reads (a separate seam from {@link ChainClient}: nodes
 * on chains without the Challenges pallet, and tests, leave it out). Submissions throw
 * `SMANAGER_ERROR_CHALLENGE_TX_FAILED` when the pool refused them (nonce clashes are resubmitted by
 * the sdk first).
 */
export interface ChallengeChain {
  /** Whether the chain issues challenges (`Challenges.Enabled`). */
  enabled(): Promise<boolean>
  /** The node account's open challenges, or undefined. */
  openChallenges(): Promise<OpenChallengeSet | undefined>
  /** `challenges.answer_challenges(slot, proofs)`; the `ChallengesAnswered` event in `events`. */
  answerChallenges(slot: bigint, proofs: SegmentProofAnswer[]): Promise<ChallengeTxOutcome>
  /** The fixed root of `cid`, or undefined. */
  fileRoot(cid: string): Promise<ContentRootValue | undefined>
  /** `challenges.submit_file_root(cid, root)`. */
  submitFileRoot(cid: string, root: ContentRootValue): Promise<ChallengeTxOutcome>
  /** `challenges.declare_lost_files(cids)`. */
  declareLostFiles(cids: string[]): Promise<ChallengeTxOutcome>
}
