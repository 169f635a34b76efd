/**
 * Identity and Treasury through an unmodified @polkadot/api against a `crust node` process, as Crust
 * Apps uses them: an identity set, a registrar added by sudo, a judgement requested and provided, and
 * `api.derive.accounts.identity` showing the name and the judgement; a spending proposal approved by
 * sudo and paid out at the next spend period (20 blocks in this test's chain spec).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { stringToU8a, u8aConcat } from '@polkadot/util'
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import { connectApi, makeBasePath, type NodeProcess, startNode, waitFor } from '@crust-ts/testkit'
import { send, type Signer } from './fixtures/send.js'

const CRU = 10n ** 12n
const SPEND_PERIOD = 20
/** The treasury's account as wallets derive it: "modl" ++ "py/trsry", zero-padded (Substrate's PalletId). */
const TREASURY = encodeAddress(u8aConcat(stringToU8a('modlpy/trsry'), new Uint8Array(20)), 66)

describe('identity and treasury end to end', () => {
  let node: NodeProcess
  let api: ApiPromise
  const base = makeBasePath()
  const specDir = mkdtempSync(join(tmpdir(), 'crust-identity-e2e-'))
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let alice: Signer
  let bob: Signer
  let charlie: Signer

  before(async () => {
    await cryptoWaitReady()
    ;[alice, bob, charlie] = ['Alice', 'Bob', 'Charlie'].map((n) => keyring.addFromUri(`//${n}`)) as [Signer, Signer, Signer]
    const dev = builtinSpec('dev')!
    const spec = join(specDir, 'spec.json')
    writeFileSync(spec, JSON.stringify({ ...dev, runtime: { ...dev.runtime, spendPeriod: SPEND_PERIOD } }))
    node = await startNode(base.path, ['--chain', spec])
    api = await connectApi(node.url)
  })

  after(async () => {
    await api?.disconnect()
    node?.child.kill('SIGTERM')
    await node?.exited
    base.remove()
    rmSync(specDir, { recursive: true, force: true })
  })

  const free = async (address: string) => (await api.query.system.account(address)).data.free.toBigInt()
  const sudo = async (call: Parameters<ApiPromise['tx']['sudo']['sudo']>[0]) => {
    const sent = await send(api, api.tx.sudo.sudo(call), alice)
    assert.equal(sent.error, undefined)
    const sudid = sent.result.events.find(({ event }) => event.method === 'Sudid')!.event
    assert.equal((sudid.data[0] as unknown as { isOk: boolean }).isOk, true, 'the root call succeeded')
    return sent
  }

  it('behavior: set_identity, add_registrar by sudo, request_judgement, provide_judgement; api.derive.accounts.identity shows the name and the judgement', async () => {
    const reserved = (await api.query.system.account(alice.address)).data.reserved.toBigInt()
    assert.equal((await send(api, api.tx.identity.setIdentity({ display: { Raw: 'Alice' }, web: { Raw: 'crust.network' } }), alice)).error, undefined)
    await sudo(api.tx.identity.addRegistrar(bob.address))
    assert.equal((await send(api, api.tx.identity.setFee(0, CRU), bob)).error, undefined)
    assert.equal((await send(api, api.tx.identity.requestJudgement(0, CRU), alice)).error, undefined)
    // Crust's BasicDeposit (5 CRU) and the registrar's fee (1 CRU) are reserved.
    assert.equal((await api.query.system.account(alice.address)).data.reserved.toBigInt(), reserved + 6n * CRU)
    // Crust's (Substrate 3.0's) provide_judgement has no identity-hash argument; the augmented API's newer signature has.
    const provideJudgement = api.tx.identity.provideJudgement as unknown as (...args: unknown[]) => SubmittableExtrinsic<'promise'>
    const judged = await send(api, provideJudgement(0, alice.address, 'Reasonable'), bob)
    assert.equal(judged.error, undefined)
    assert.ok(judged.result.events.some(({ event }) => event.section === 'identity' && event.method === 'JudgementGiven'))

    const identity = await api.derive.accounts.identity(alice.address)
    assert.equal(identity.display, 'Alice')
    assert.equal(identity.web, 'crust.network')
    assert.equal(identity.judgements.length, 1)
    const [index, judgement] = identity.judgements[0]!
    assert.equal(index.toNumber(), 0)
    assert.equal(judgement.isReasonable, true)
    assert.deepEqual(await api.derive.accounts.hasIdentity(alice.address), { display: 'Alice', hasIdentity: true, parentId: undefined })
    const registrars = await api.query.identity.registrars()
    assert.equal(encodeAddress(registrars[0]!.unwrap().account, 66), bob.address)
  })

  it('behavior: a proposal approved by sudo is paid from the pot at the next spend period (Awarded), and the bond returned', async () => {
    assert.equal(api.consts.treasury.spendPeriod.toNumber(), SPEND_PERIOD)
    assert.equal((await send(api, api.tx.balances.transferKeepAlive(TREASURY, 1_000n * CRU), alice)).error, undefined)
    const beneficiary = keyring.addFromUri('//identity-e2e-beneficiary').address
    const proposed = await send(api, api.tx.treasury.proposeSpend(100n * CRU, beneficiary), charlie)
    assert.equal(proposed.error, undefined)
    const index = (proposed.result.events.find(({ event }) => event.method === 'Proposed')!.event.data[0] as unknown as { toNumber(): number }).toNumber()
    const bonded = (await api.query.system.account(charlie.address)).data.reserved.toBigInt()
    // What Crust Apps' treasury page shows: the proposal first among proposals, then among approvals.
    const listed = async () => {
      const { approvals, proposals } = await api.derive.treasury.proposals()
      return { approvals: approvals.map((p) => p.id.toNumber()), proposals: proposals.map((p) => p.id.toNumber()) }
    }
    assert.deepEqual(await listed(), { approvals: [], proposals: [index] })
    await sudo(api.tx.treasury.approveProposal(index))
    assert.deepEqual(await listed(), { approvals: [index], proposals: [] })
    const paidBy = await waitFor(
      async () => ((await free(beneficiary)) === 100n * CRU ? (await api.rpc.chain.getHeader()).number.toNumber() : undefined),
      'the treasury spend',
      60_000,
    )
    // The block that paid it: the one whose events hold Treasury.Awarded for this proposal.
    let awardedAt: number | undefined
    for (let n = paidBy; n > paidBy - SPEND_PERIOD && awardedAt === undefined; n--) {
      const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events()
      const awarded = events.find(({ event }) => event.section === 'treasury' && event.method === 'Awarded')
      if (awarded !== undefined && Number(awarded.event.data[0]!.toString()) === index) awardedAt = n
    }
    assert.ok(awardedAt !== undefined, 'an Awarded event for the proposal')
    assert.equal(awardedAt % SPEND_PERIOD, 0, 'paid at a spend period boundary')
    assert.equal(await free(beneficiary), 100n * CRU)
    assert.equal((await api.query.treasury.proposals(index)).isNone, true)
    // Crust's bond: max(5 % of 100 CRU, 10 CRU) = 10 CRU, returned on payment.
    assert.equal((await api.query.system.account(charlie.address)).data.reserved.toBigInt(), bonded - 10n * CRU)
  })
})
