/** {@link ChallengeChain} over a connected `ApiPromise` and the node's key pair; submissions go through the sdk. */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToString } from '@polkadot/util'
import { submit, TxDispatchError, TxRejectedError } from '@crust-ts/sdk'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'
import type { ChallengeChain, ChallengeTxOutcome, ContentRootValue, OpenChallengeSet, SegmentProofAnswer } from './interface.js'

interface Codec {
  toU8a(isBare?: boolean): Uint8Array
  toJSON(): unknown
  isNone?: boolean
}

interface ChallengeSetCodec {
  slot: { toBigInt(): bigint }
  issued_at?: { toNumber(): number }
  issuedAt?: { toNumber(): number }
  deadline: { toNumber(): number }
  challenges: Array<{ cid: Codec; segment: { toNumber(): number } }>
}

export class PolkadotChallengeChain implements ChallengeChain {
  constructor(
    private readonly api: ApiPromise,
    private readonly account: KeyringPair,
  ) {}

  async enabled(): Promise<boolean> {
    return ((await this.api.query.challenges!.enabled!()) as unknown as { isTrue: boolean }).isTrue
  }

  async openChallenges(): Promise<OpenChallengeSet | undefined> {
    const value = (await this.api.query.challenges!.openChallenges!(this.account.address)) as unknown as {
      isNone: boolean
      unwrap(): ChallengeSetCodec
    }
    if (value.isNone) return undefined
    const set = value.unwrap()
    return {
      slot: set.slot.toBigInt(),
      issuedAt: (set.issued_at ?? set.issuedAt)!.toNumber(),
      deadline: set.deadline.toNumber(),
      challenges: set.challenges.map((c) => ({ cid: u8aToString(c.cid.toU8a(true)), segment: c.segment.toNumber() })),
    }
  }

  answerChallenges(slot: bigint, proofs: SegmentProofAnswer[]): Promise<ChallengeTxOutcome> {
    return this.send('answer_challenges', this.api.tx.challenges!.answerChallenges!(slot, proofs))
  }

  async fileRoot(cid: string): Promise<ContentRootValue | undefined> {
    const value = (await this.api.query.market!.fileRoots!(cid)) as unknown as Codec
    const json = value.toJSON() as { root: string; size: number | string } | null
    return json === null ? undefined : { root: json.root, size: Number(json.size) }
  }

  submitFileRoot(cid: string, root: ContentRootValue): Promise<ChallengeTxOutcome> {
    return this.send('submit_file_root', this.api.tx.challenges!.submitFileRoot!(cid, root))
  }

  declareLostFiles(cids: string[]): Promise<ChallengeTxOutcome> {
    return this.send('declare_lost_files', this.api.tx.challenges!.declareLostFiles!(cids))
  }

  /** Submits (the sdk resubmits on nonce clashes) and waits for the block; a dispatch error is an outcome, a refusal throws. */
  private async send(call: string, tx: SubmittableExtrinsic<'promise'>): Promise<ChallengeTxOutcome> {
    try {
      const included = await submit(this.api, tx, this.account)
      const events = included.events
        .filter(({ event }) => event.section === 'challenges')
        .map(({ event }) => {
          // Named fields (`ChallengesAnswered { who, slot, passed, failed }`), values as JSON (numbers stay numbers).
          const names = (event.data as unknown as { names?: string[] | null }).names ?? []
          const values = event.data.toJSON() as unknown[]
          return { method: event.method, data: Object.fromEntries(names.map((n, i) => [n, values[i]])) }
        })
      return { ok: true, events }
    } catch (err) {
      if (err instanceof TxDispatchError) return { ok: false, error: err.error }
      const why = err instanceof TxRejectedError ? err.reason : err instanceof Error ? err.message : String(err)
      throw new SmanagerError(SmanagerErrorCode.CHALLENGE_TX_FAILED, `challenges.${call} not included: ${why}`, { call }, { cause: err })
    }
  }
}
