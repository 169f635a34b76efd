/** The paged era election (election-pages.ts) writes and elects what the one-block election does on the same state. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { OverlayState } from '../src/frame/overlay.js'
import type { StorageAccess } from '../src/frame/storage.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'
import {
  Bonded,
  CurrentElected,
  CurrentEra,
  ElectionEdges,
  ElectionProgress,
  ErasStakers,
  PAGED_ELECTION_MIN_VOTERS,
  ForceSelection,
  GuarantorsList,
  insertGuarantor,
  insertValidator,
  Ledger,
  MinimumValidatorCount,
  removeGuarantor,
  selectAndUpdateValidators,
  StakeLimit,
  ValidatorCount,
  ValidatorsWhitelist,
} from '../src/pallets/staking/index.js'
import { electionPage, finishPagedElection } from '../src/pallets/staking/election-pages.js'

const ERA = 7
const acct = (tag: number, i: number) => new Uint8Array(32).fill(tag).fill(i, 0, 1)
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')

const stateArb = fc.record({
  candidates: fc.array(
    fc.record({
      bonded: fc.option(fc.constantFrom(0n, 1n, 5n, 100n), { nil: undefined }),
      limit: fc.option(fc.constantFrom(0n, 3n, 50n, 1_000n), { nil: undefined }),
      fee: fc.nat({ max: 1_000_000_000 }),
    }),
    { maxLength: 9 },
  ),
  guarantors: fc.array(
    fc.record({
      // Targets by index: below the candidate count a candidate, above it an account that is none.
      targets: fc.array(fc.record({ target: fc.nat({ max: 11 }), value: fc.constantFrom(1n, 2n, 5n, 40n) }), { minLength: 1, maxLength: 4 }),
      removed: fc.boolean(),
    }),
    { maxLength: 14 },
  ),
  validatorCount: fc.nat({ max: 7 }),
  minimum: fc.nat({ max: 3 }),
  forceSelection: fc.boolean(),
  whitelist: fc.array(fc.nat({ max: 9 }), { maxLength: 5 }),
  paging: fc.record({ guarantorsPerPage: fc.integer({ min: 1, max: 5 }), candidatesPerPage: fc.integer({ min: 1, max: 4 }), minVoters: fc.constant(0) }),
  // Steps run before the session start; too few leaves the election unfinished.
  steps: fc.option(fc.nat({ max: 12 }), { nil: undefined }),
})
type Shape = typeof stateArb extends fc.Arbitrary<infer T> ? T : never

function build(shape: Shape): OverlayState {
  const s = new OverlayState(() => undefined)
  shape.candidates.forEach((c, i) => {
    // Stashes in reverse account order of insertion: the election must sort them.
    const stash = acct(1, 200 - i)
    insertValidator(s, stash, { guarantee_fee: c.fee })
    if (c.bonded !== undefined) {
      Bonded.insert(s, stash, acct(2, i))
      Ledger.insert(s, acct(2, i), { stash, total: c.bonded, active: c.bonded, unlocking: [], claimed_rewards: [] })
    }
    if (c.limit !== undefined) StakeLimit.insert(s, stash, c.limit)
  })
  shape.guarantors.forEach((g, i) => {
    const targets = g.targets.map((t) => ({ who: t.target < shape.candidates.length ? acct(1, 200 - t.target) : acct(9, t.target), value: t.value }))
    insertGuarantor(s, acct(3, i), { targets, total: 0n, submitted_in: 0, suppressed: false })
  })
  // Removals move the last guarantor into the hole: list order is not insertion order.
  shape.guarantors.forEach((g, i) => {
    if (g.removed) removeGuarantor(s, acct(3, i))
  })
  ValidatorCount.put(s, shape.validatorCount)
  MinimumValidatorCount.put(s, shape.minimum)
  ForceSelection.put(s, shape.forceSelection)
  ValidatorsWhitelist.put(
    s,
    shape.whitelist.map((i) => acct(1, 200 - i)),
  )
  return s
}

/** Every change an overlay holds, leaving out deletions of keys its base never had. */
function writes(base: StorageAccess, o: OverlayState): string[] {
  return o
    .drain()
    .filter(([k, v]) => v !== null || base.get(k) !== undefined)
    .map(([k, v]) => `${hexOf(k)}=${v === null ? 'deleted' : hexOf(v)}`)
}

describe('staking: paged era election', () => {
  it('property: paged over any page sizes (finished or not by the session start) it elects and writes what the one-block election does', () => {
    let paged = 0
    let elected = 0
    fc.assert(
      fc.property(stateArb, (shape) => {
        const base = build(shape)
        const one = new OverlayState((k) => base.get(k))
        const expected = selectAndUpdateValidators(one, ERA)
        const many = new OverlayState((k) => base.get(k))
        const limit = shape.steps ?? 1_000
        let ready = false
        for (let step = 0; step < limit && !ready; step++) ready = electionPage(many, ERA, shape.paging)
        const finished = finishPagedElection(many, ERA)
        assert.equal(finished.ready, ready)
        const result = finished.ready ? finished.result : selectAndUpdateValidators(many, ERA)
        if (finished.ready) paged++
        if (expected !== undefined) elected++
        assert.deepEqual(result?.map(hexOf), expected?.map(hexOf))
        assert.deepEqual(writes(base, many), writes(base, one))
        assert.equal(ElectionProgress.get(many), undefined)
      }),
      { numRuns: 400 },
    )
    // The runs covered both paths and both outcomes.
    assert.ok(paged > 50 && paged < 400, `${paged} paged`)
    assert.ok(elected > 50 && elected < 400, `${elected} elected`)
  })

  it('behavior: ties keep account order and ForceSelection elects only whitelisted candidates, paged as in one block', () => {
    const shape: Shape = {
      candidates: [0, 1, 2, 3].map(() => ({ bonded: 5n, limit: 1_000n, fee: 0 })),
      guarantors: [{ targets: [{ target: 3, value: 5n }], removed: false }],
      validatorCount: 2,
      minimum: 1,
      forceSelection: true,
      whitelist: [0, 1, 2],
      paging: { guarantorsPerPage: 1, candidatesPerPage: 1, minVoters: 0 },
      steps: undefined,
    }
    const base = build(shape)
    const many = new OverlayState((k) => base.get(k))
    while (!electionPage(many, ERA, shape.paging));
    const result = finishPagedElection(many, ERA).result!
    // Candidate 3 has the largest stake but is not whitelisted; 0, 1, 2 tie at 5: the lowest accounts win.
    assert.deepEqual(result.map(hexOf), [acct(1, 198), acct(1, 199)].map(hexOf))
    assert.equal(GuarantorsList.count.get(many), 1)
  })

  it('behavior: in the runtime a big election runs in the blocks before the session start that plans the era, and elects there what one block would', async () => {
    // 120-block eras of two 60-block sessions: block 60 starts session 1 and plans era 1.
    const h = await RuntimeHarness.create({ config: { eraLength: 120, sessionsPerEra: 2 } })
    // After sWork's workload hand-off of block 51, which would reset the stake limits set here.
    h.runTo(52)
    const candidates = 60
    for (let i = 0; i < candidates; i++) {
      const stash = acct(1, 200 - i)
      insertValidator(h.state, stash, { guarantee_fee: 0 })
      Bonded.insert(h.state, stash, stash)
      Ledger.insert(h.state, stash, { stash, total: 10n, active: 10n, unlocking: [], claimed_rewards: [] })
      StakeLimit.insert(h.state, stash, BigInt(20 + (i % 7) * 10))
    }
    for (let g = 0; g < PAGED_ELECTION_MIN_VOTERS; g++) {
      const who = new Uint8Array(32).fill(3)
      new DataView(who.buffer).setUint32(0, g)
      const targets = [0, 1, 2].map((t) => ({ who: acct(1, 200 - ((g * 3 + t) % candidates)), value: BigInt(1 + (g % 4)) }))
      insertGuarantor(h.state, who, { targets, total: 0n, submitted_in: 0, suppressed: false })
    }
    ValidatorCount.put(h.state, 10)
    // The one-block election on the state the pages will read (nothing changes it before block 60).
    const frozen = new Map(h.state.drain().map(([k, v]) => [hexOf(k), v]))
    const reference = new OverlayState((k) => frozen.get(hexOf(k)) ?? undefined)
    const expected = selectAndUpdateValidators(reference, 1)!
    const stages: Array<number | undefined> = []
    for (let n = 53; n < 60; n++) {
      h.runTo(n)
      stages.push(ElectionProgress.get(h.state)?.stage)
    }
    // 4 steps (2 guarantor pages, 1 candidate page, 1 spare) + 2 blocks of slack: it starts at block
    // 54, reads guarantors in 54 and 55, writes the exposures in 56 and waits, ready, until 60.
    assert.deepEqual(stages, [undefined, 0, 1, 2, 2, 2, 2])
    h.runTo(60)
    assert.equal(CurrentEra.get(h.state), 1)
    assert.deepEqual(CurrentElected.get(h.state).map(hexOf), expected.map(hexOf))
    for (let i = 0; i < candidates; i++) {
      const stash = acct(1, 200 - i)
      assert.deepEqual(ErasStakers.get(h.state, 1, stash), ErasStakers.get(reference, 1, stash))
      assert.equal(ElectionEdges.get(h.state, stash, 0), undefined)
    }
    assert.equal(ElectionProgress.get(h.state), undefined)
  })
})
