/** `crust status <cid>` and `crust prepaid <cid> <amount>`. */
import {
  addPrepaid,
  assertCid,
  createKuboClient,
  type FileChallengesReturnType,
  type FileInfo,
  fileChallenges,
  formatBytes,
  formatCru,
  type Holder,
  holdersOf,
  ipfsError,
  orderStatus,
  parseCru,
  type RetrievalScore,
  SdkError,
} from '@crust-ts/sdk'
import type { AccountOptions } from './account.js'
import { signerFrom } from './account.js'
import { withChain } from './chain-connection.js'
import { fields } from './upload.js'

function noOrder(cid: string): SdkError {
  return new SdkError('SDK_ERROR_NO_ORDER', `no storage order for ${cid}`, { cid })
}

/** How the node given with `--api` ranks the peers it fetched from (best first), to show each holder's place. */
export interface AskingNodeRanks {
  api: string
  scores: readonly RetrievalScore[]
}

/** A holder's retrieval rank on the asking node: its score entry, `null` when that node never fetched from it. */
function rankOf(ranks: AskingNodeRanks, peer: Holder | undefined): (RetrievalScore & { of: number }) | null {
  const score = peer === undefined ? undefined : ranks.scores.find((s) => s.peer === peer.peerId)
  return score === undefined ? null : { ...score, of: ranks.scores.length }
}

/** The file's storage challenges as JSON (sizes as decimal strings), or null on a chain without them. */
function challengesJson(c: FileChallengesReturnType | undefined): Record<string, unknown> | null {
  if (c === undefined) return null
  return {
    enabled: c.enabled,
    root: c.root === undefined ? null : { root: c.root.root, size: c.root.size.toString() },
    rootCandidates: c.candidates.map((r) => ({ who: r.who, root: r.root, size: r.size.toString() })),
    removed: c.removed,
  }
}

/** The order as JSON: balances and sizes as decimal strings (they exceed JSON's safe integers). */
export function fileJson(
  cid: string,
  file: FileInfo,
  bestBlock: number,
  holders: readonly Holder[] = [],
  ranks?: AskingNodeRanks,
  challenges?: FileChallengesReturnType,
): Record<string, unknown> {
  const holderOf = new Map(holders.map((h) => [h.who, h]))
  const challengesOf = new Map(challenges?.replicas.map((r) => [r.who, r]))
  return {
    cid,
    bestBlock,
    fileSize: file.fileSize.toString(),
    spower: file.spower.toString(),
    expiredAt: file.expiredAt,
    calculatedAt: file.calculatedAt,
    amount: file.amount.toString(),
    prepaid: file.prepaid.toString(),
    reportedReplicaCount: file.reportedReplicaCount,
    remainingPaidCount: file.remainingPaidCount,
    // Each replica with where its holder can be fetched from (its sWork peer record), when it published one.
    // and, with --api, how that node ranks it as a source (its retrieval score among the peers it fetched from).
    replicas: file.replicas.map((r) => {
      const h = holderOf.get(r.who)
      return {
        ...r,
        peer: h === undefined ? null : { peerId: h.peerId, multiaddrs: h.multiaddrs },
        ...(ranks === undefined ? {} : { retrieval: rankOf(ranks, h) }),
        // Its storage challenges on this file: last accepted proof, open ones, faults, and its sWorker's counters.
        ...(challenges === undefined ? {} : { challenges: replicaChallengesJson(challengesOf.get(r.who)) }),
      }
    }),
    ...(ranks === undefined ? {} : { rankedBy: ranks.api }),
    challenges: challengesJson(challenges),
  }
}

function replicaChallengesJson(r: FileChallengesReturnType['replicas'][number] | undefined): Record<string, unknown> | null {
  if (r === undefined) return null
  return { lastProof: r.lastProof ?? null, open: r.open, faults: r.faults, counters: r.counters }
}

function rootLine(c: FileChallengesReturnType): string {
  if (c.root !== undefined) return `${c.root.root} over ${formatBytes(c.root.size)}`
  if (c.candidates.length === 0) return 'none yet (fixed when two holders submit the same root)'
  return `none yet; submitted by ${c.candidates.map((r) => `${r.who} (${r.root})`).join(', ')}`
}

/** A replica's challenge lines: its last proof, open challenges, faults on the file, and its sWorker's counters. */
function challengeLines(c: FileChallengesReturnType | undefined, who: string): string {
  const r = c?.replicas.find((x) => x.who === who)
  if (r === undefined) return ''
  const open = r.open.map((o) => `segment ${o.segment} due by #${o.deadline}`).join(', ')
  const faults = r.faults.map((f) => `${f.kind} at #${f.block}`).join(', ')
  const { issued, passed, failed, declared } = r.counters
  return (
    `    challenges: ${r.lastProof === undefined ? 'no proof yet' : `last proof at #${r.lastProof}`}` +
    `; open: ${open === '' ? 'none' : open}; faults: ${faults === '' ? 'none' : faults}\n` +
    `    its sWorker over all files: ${issued} challenged, ${passed} passed, ${failed} failed, ${declared} declared lost\n`
  )
}

function expiry(file: FileInfo, best: number): string {
  if (file.expiredAt === 0) return 'pending: the paid period starts when the first replica is reported'
  const left = file.expiredAt - best
  return left > 0
    ? `block #${file.expiredAt} (in ${left} blocks)`
    : `block #${file.expiredAt} (expired ${-left} blocks ago; renews from prepaid or closes when settled)`
}

function rankLine(ranks: AskingNodeRanks | undefined, peer: Holder | undefined): string {
  if (ranks === undefined || peer === undefined) return ''
  const rank = rankOf(ranks, peer)
  if (rank === null) return `    not ranked by ${ranks.api}: it has not fetched from this peer\n`
  return `    rank ${rank.rank} of ${rank.of} at ${ranks.api} (score ${rank.score.toFixed(2)}, ${rank.successes} blocks served, ${rank.failures} failures${rank.wrongBlocks > 0 ? `, ${rank.wrongBlocks} wrong blocks` : ''})\n`
}

export function formatStatus(
  cid: string,
  file: FileInfo,
  best: number,
  holders: readonly Holder[] = [],
  ranks?: AskingNodeRanks,
  challenges?: FileChallengesReturnType,
): string {
  const peerOf = new Map(holders.map((h) => [h.who, h]))
  const rows: Array<[string, string]> = [
    ['cid', cid],
    ['size', formatBytes(file.fileSize)],
    ['reward pot', `${formatCru(file.amount)} CRU`],
    ['prepaid', `${formatCru(file.prepaid)} CRU`],
    ['expires', expiry(file, best)],
    ['replicas', `${file.reportedReplicaCount} reported of ${file.replicas.length} (${file.remainingPaidCount} paid places left)`],
  ]
  if (challenges !== undefined) {
    rows.push(['content root', rootLine(challenges)])
    rows.push(['challenges', challenges.enabled ? 'issued every report slot' : 'off on this chain'])
  }
  const lines = file.replicas.map((r) => {
    const peer = peerOf.get(r.who)
    const where = peer === undefined ? '    no peer record\n' : `    peer ${peer.peerId} ${peer.multiaddrs.join(' ')}\n`
    return `  ${r.who}  ${r.isReported ? 'reported    ' : 'not reported'}  valid at #${r.validAt}${r.createdAt === undefined ? '' : `, created at #${r.createdAt}`}\n${where}${rankLine(ranks, peer)}${challengeLines(challenges, r.who)}`
  })
  const removed =
    challenges === undefined || challenges.removed.length === 0
      ? ''
      : `replicas removed for faults:\n${challenges.removed.map((f) => `  sWorker ${f.anchor.slice(0, 18)}…  ${f.kind} at #${f.block}\n`).join('')}`
  return fields(rows) + lines.join('') + removed
}

export async function statusCommand(cid: string, opts: { chain: string; json: boolean; api?: string }, write: (s: string) => void): Promise<void> {
  assertCid(cid)
  await withChain(opts.chain, async (api) => {
    const file = await orderStatus(api, cid)
    if (file === undefined) throw noOrder(cid)
    const [header, holders, ranks, challenges] = await Promise.all([
      api.rpc.chain.getHeader(),
      holdersOf(api, cid),
      opts.api === undefined ? undefined : askingNodeRanks(opts.api),
      fileChallenges(api, cid, file),
    ])
    const best = header.number.toNumber()
    write(
      opts.json
        ? `${JSON.stringify(fileJson(cid, file, best, holders, ranks, challenges), null, 2)}\n`
        : formatStatus(cid, file, best, holders, ranks, challenges),
    )
  })
}

async function askingNodeRanks(url: string): Promise<AskingNodeRanks> {
  const kubo = createKuboClient(url)
  try {
    return { api: kubo.url, scores: (await kubo.stats.bitswap()).retrievalScores }
  } catch (err) {
    throw ipfsError(kubo.url, err)
  }
}

export async function prepaidCommand(cid: string, amountText: string, opts: AccountOptions & { chain: string }, write: (s: string) => void): Promise<void> {
  assertCid(cid)
  const amount = parseCru(amountText)
  if (amount === 0n) throw new SdkError('SDK_ERROR_BAD_AMOUNT', 'the prepaid amount must be positive')
  const signer = await signerFrom(opts)
  await withChain(opts.chain, async (api) => {
    const result = await addPrepaid(api, signer, cid, amount)
    write(
      fields([
        ['cid', cid],
        ['added', `${formatCru(amount)} CRU`],
        ['prepaid', `${formatCru(result.prepaid)} CRU`],
        ['fee', `${formatCru(result.txFee)} CRU (transaction)`],
        ['block', `#${result.blockNumber} ${result.blockHash}`],
      ]),
    )
  })
}
