/** `crust status` output of a file's storage challenges (issue #18): text and JSON from what the chain holds. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FileChallengesReturnType, FileInfo } from '@crust-ts/sdk'
import { fileJson, formatStatus } from '../src/commands/order-status.js'

const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty'
const ROOT = `0x${'ab'.repeat(32)}`

const file: FileInfo = {
  fileSize: 1_060_000n,
  spower: 0n,
  expiredAt: 700,
  calculatedAt: 100,
  amount: 10n ** 12n,
  prepaid: 0n,
  reportedReplicaCount: 2,
  remainingPaidCount: 2,
  replicas: [
    { who: ALICE, validAt: 40, anchor: '0x01', isReported: true, createdAt: 40 },
    { who: BOB, validAt: 41, anchor: '0x02', isReported: true, createdAt: 41 },
  ],
}

const challenges: FileChallengesReturnType = {
  enabled: true,
  root: { root: ROOT, size: 1_060_000n },
  candidates: [],
  replicas: [
    { who: ALICE, anchor: '0x01', lastProof: 130, open: [], faults: [], counters: { issued: 8, passed: 8, failed: 0, declared: 0 } },
    {
      who: BOB,
      anchor: '0x02',
      lastProof: undefined,
      open: [{ segment: 77, issuedAt: 140, deadline: 150 }],
      faults: [{ block: 131, kind: 'Missed' }],
      counters: { issued: 8, passed: 6, failed: 2, declared: 0 },
    },
  ],
  removed: [{ anchor: `0x${'cd'.repeat(64)}`, block: 120, kind: 'InvalidProof' }],
}

describe('crust status: storage challenges', () => {
  it("behavior: the text shows the root, each holder's last proof, open challenges, faults and counters, and removed replicas", () => {
    const text = formatStatus(CID, file, 145, [], undefined, challenges)
    assert.match(text, new RegExp(`^content root\\s+${ROOT} over 1060000 bytes \\(1.0 MiB\\)$`, 'm'))
    assert.match(text, /^challenges\s+issued every report slot$/m)
    assert.match(
      text,
      new RegExp(
        `${ALICE}.*\\n    no peer record\\n    challenges: last proof at #130; open: none; faults: none\\n    its sWorker over all files: 8 challenged, 8 passed, 0 failed, 0 declared lost\\n`,
      ),
    )
    assert.match(
      text,
      /challenges: no proof yet; open: segment 77 due by #150; faults: Missed at #131\n {4}its sWorker over all files: 8 challenged, 6 passed, 2 failed/,
    )
    assert.match(text, /replicas removed for faults:\n {2}sWorker 0xcdcdcdcdcdcdcdcd… {2}InvalidProof at #120\n$/)
  })

  it('behavior: a file without a fixed root shows the candidates; a chain without challenges shows none of it', () => {
    const pending = { ...challenges, root: undefined, candidates: [{ who: ALICE, root: ROOT, size: 5n }], removed: [] }
    assert.match(formatStatus(CID, file, 145, [], undefined, pending), new RegExp(`^content root\\s+none yet; submitted by ${ALICE} \\(${ROOT}\\)$`, 'm'))
    const crust = formatStatus(CID, file, 145)
    assert.doesNotMatch(crust, /content root|challenges|removed/)
  })

  it('behavior: the JSON carries the same, sizes as decimal strings; null challenges on a chain without them', () => {
    const json = JSON.parse(JSON.stringify(fileJson(CID, file, 145, [], undefined, challenges))) as Record<string, unknown> & {
      replicas: Array<{ who: string; challenges: unknown }>
    }
    assert.deepEqual(json.challenges, {
      enabled: true,
      root: { root: ROOT, size: '1060000' },
      rootCandidates: [],
      removed: [{ anchor: `0x${'cd'.repeat(64)}`, block: 120, kind: 'InvalidProof' }],
    })
    assert.deepEqual(json.replicas[1]!.challenges, {
      lastProof: null,
      open: [{ segment: 77, issuedAt: 140, deadline: 150 }],
      faults: [{ block: 131, kind: 'Missed' }],
      counters: { issued: 8, passed: 6, failed: 2, declared: 0 },
    })
    const plain = JSON.parse(JSON.stringify(fileJson(CID, file, 145))) as Record<string, unknown> & { replicas: Array<Record<string, unknown>> }
    assert.equal(plain.challenges, null)
    assert.equal('challenges' in plain.replicas[0]!, false)
  })
})
