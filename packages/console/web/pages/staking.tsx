/**
 * Staking (Crust's GPoS): the era, the validator candidates with their own bond, stake limit,
 * elected stake and guarantors, and the account's own bond with bond / unbond / guarantee signed
 * by its wallet. Everything is read again when the best block moves (one read in flight).
 */
import { useEffect, useState } from 'preact/hooks'
import { formatCru, parseCru, short } from '../format.js'
import type { Polkadot } from '../lazy.js'
import type { PageProps } from '../main.js'
import type { ApiPromise, Tx } from '../polkadot.js'
import type { RpcHeader } from '../rpc.js'
import { useApi } from '../use-api.js'
import { NeedAccount, type WalletState } from '../wallet.js'

type Codec = { toJSON(): unknown; toString(): string; toHex(): string; isSome?: boolean }
type Json = Record<string, unknown> | null

const big = (v: unknown): bigint => (typeof v === 'number' || typeof v === 'string' ? BigInt(v) : 0n)
/** Perbill (parts of 10^9) as a percentage. */
const perbill = (parts: number) => `${(parts / 10_000_000).toFixed(parts % 10_000_000 === 0 ? 0 : 2)} %`

interface Validator {
  stash: string
  fee: number
  elected: boolean
  ownBond: bigint
  stakeLimit: bigint
  /** The active era's exposure (what the election counted), when elected. */
  exposure?: { total: bigint; own: bigint }
  /** Current guarantees naming it (they count from the next election). */
  guarantors: Array<{ who: string; value: bigint }>
}

interface MyStake {
  bonded: boolean
  total: bigint
  active: bigint
  unlocking: Array<{ value: bigint; era: number }>
  guaranteed: Array<{ who: string; value: bigint }>
}

interface StakingState {
  era?: number
  lastPayout?: bigint
  validators: Validator[]
  mine?: MyStake
}

async function activeBond(api: ApiPromise, stash: string): Promise<{ total: bigint; active: bigint; unlocking: MyStake['unlocking'] } | undefined> {
  const controller = (await api.query.staking!.bonded!(stash)) as unknown as Codec
  if (controller.isSome !== true) return undefined
  const ledger = ((await api.query.staking!.ledger!(controller.toString())) as unknown as Codec).toJSON() as Json
  if (ledger === null) return undefined
  return {
    total: big(ledger.total),
    active: big(ledger.active),
    unlocking: ((ledger.unlocking as Array<{ value: unknown; era: number }>) ?? []).map((u) => ({ value: big(u.value), era: u.era })),
  }
}

async function readStaking(api: ApiPromise, me: string | undefined): Promise<StakingState> {
  const staking = api.query.staking!
  const [activeEra, candidates, guarantees, elected] = await Promise.all([
    staking.activeEra!() as Promise<Codec>,
    staking.validators!.entries() as unknown as Promise<Array<[{ args: Codec[] }, Codec]>>,
    staking.guarantors!.entries() as unknown as Promise<Array<[{ args: Codec[] }, Codec]>>,
    api.query.session!.validators!() as Promise<Codec>,
  ])
  const era = (activeEra.toJSON() as { index?: number } | null)?.index
  const electedSet = new Set((elected.toJSON() as string[]).map((a) => api.createType('AccountId', a).toString()))
  const byTarget = new Map<string, Array<{ who: string; value: bigint }>>()
  let mine: MyStake['guaranteed'] = []
  for (const [key, value] of guarantees) {
    const who = key.args[0]!.toString()
    const g = value.toJSON() as { targets?: Array<{ who: string; value: unknown }> } | null
    const targets = (g?.targets ?? []).map((t) => ({ who: api.createType('AccountId', t.who).toString(), value: big(t.value) }))
    for (const t of targets) byTarget.set(t.who, [...(byTarget.get(t.who) ?? []), { who, value: t.value }])
    if (who === me) mine = targets
  }
  const validators = await Promise.all(
    candidates.map(async ([key, prefs]): Promise<Validator> => {
      const stash = key.args[0]!.toString()
      const [bond, limit, exposure] = await Promise.all([
        activeBond(api, stash),
        staking.stakeLimit!(stash) as Promise<Codec>,
        era === undefined ? undefined : (staking.erasStakers!(era, stash) as Promise<Codec>),
      ])
      const exp = (exposure?.toJSON() ?? null) as Json
      return {
        stash,
        fee: Number((prefs.toJSON() as { guaranteeFee?: number } | null)?.guaranteeFee ?? 0),
        elected: electedSet.has(stash),
        ownBond: bond?.active ?? 0n,
        stakeLimit: big(limit.toJSON()),
        ...(exp === null || big(exp.total) === 0n ? {} : { exposure: { total: big(exp.total), own: big(exp.own) } }),
        guarantors: byTarget.get(stash) ?? [],
      }
    }),
  )
  // Elected first, then by stake.
  const weight = (v: Validator) => v.exposure?.total ?? v.ownBond
  validators.sort((a, b) => Number(b.elected) - Number(a.elected) || (weight(b) > weight(a) ? 1 : weight(b) < weight(a) ? -1 : 0))
  const payout = era === undefined || era === 0 ? undefined : ((await staking.erasStakingPayout!(era - 1)) as unknown as Codec).toJSON()
  let myStake: MyStake | undefined
  if (me !== undefined) {
    const bond = await activeBond(api, me)
    myStake = bond === undefined ? { bonded: false, total: 0n, active: 0n, unlocking: [], guaranteed: mine } : { bonded: true, ...bond, guaranteed: mine }
  }
  return {
    ...(era === undefined ? {} : { era }),
    ...(payout === null || payout === undefined ? {} : { lastPayout: big(payout) }),
    validators,
    ...(myStake === undefined ? {} : { mine: myStake }),
  }
}

/** The staking state, read again on each new best block (at most one read in flight). */
function useStaking(rpc: PageProps['rpc'], api: ApiPromise, me: string | undefined): { state?: StakingState; error?: string } {
  const [state, setState] = useState<StakingState | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    let live = true
    let reading = false
    let again = false
    const read = () => {
      if (reading) {
        again = true
        return
      }
      reading = true
      readStaking(api, me)
        .then(
          (s) => live && setState(s),
          (err: Error) => live && setError(`Cannot read staking: ${err.message}`),
        )
        .finally(() => {
          reading = false
          if (again && live) {
            again = false
            read()
          }
        })
    }
    read()
    const unsub = rpc.subscribe<RpcHeader>('chain_subscribeNewHeads', 'chain_unsubscribeNewHeads', [], read)
    return () => {
      live = false
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [rpc, api, me])
  return { ...(state === undefined ? {} : { state }), ...(error === undefined ? {} : { error }) }
}

function Validators({ state, names }: { state: StakingState; names: Map<string, string> }) {
  const name = (a: string) => names.get(a) ?? short(a)
  return (
    <section aria-labelledby="validators-title">
      <h2 id="validators-title">Validators</h2>
      <div class="stats">
        <div class="stat">
          <b data-testid="era-index">{state.era ?? '…'}</b>
          <span>active era</span>
        </div>
        <div class="stat">
          <b>{state.validators.filter((v) => v.elected).length}</b>
          <span>elected</span>
        </div>
        <div class="stat">
          <b>{state.lastPayout === undefined ? '—' : formatCru(state.lastPayout)}</b>
          <span>last era's staking payout</span>
        </div>
      </div>
      <div class="scroll">
        <table data-testid="validators">
          <thead>
            <tr>
              <th scope="col">Validator</th>
              <th scope="col">Own bond</th>
              <th scope="col">Stake limit</th>
              <th scope="col">Elected stake</th>
              <th scope="col">Guarantors (next election)</th>
              <th scope="col">Fee</th>
            </tr>
          </thead>
          <tbody>
            {state.validators.map((v) => {
              const stake = v.exposure?.total ?? 0n
              const over = v.stakeLimit > 0n && stake > v.stakeLimit
              return (
                <tr key={v.stash} data-testid="validator" data-stash={v.stash} data-elected={String(v.elected)}>
                  <td>
                    <span class="mono">{name(v.stash)}</span> {v.elected ? <span class="ok">elected</span> : <span class="note">candidate</span>}
                  </td>
                  <td>{formatCru(v.ownBond)}</td>
                  <td>{formatCru(v.stakeLimit)}</td>
                  <td class={over ? 'error' : ''}>
                    {v.exposure === undefined ? '—' : formatCru(stake)}
                    {over && ' (over the stake limit)'}
                  </td>
                  <td>
                    {v.guarantors.length === 0
                      ? '—'
                      : v.guarantors.map((g) => (
                          <span key={g.who} data-testid="guarantor" data-who={g.who} data-plancks={g.value.toString()}>
                            {name(g.who)} {formatCru(g.value)}{' '}
                          </span>
                        ))}
                  </td>
                  <td>{perbill(v.fee)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

type Status = { ok?: string; error?: string; info?: string }

function MyStaking({ api, pd, wallet, state }: { api: ApiPromise; pd: Polkadot; wallet: WalletState; state: StakingState }) {
  const [status, setStatus] = useState<Status>({})
  const [busy, setBusy] = useState(false)
  const [bondAmount, setBondAmount] = useState('')
  const [unbondAmount, setUnbondAmount] = useState('')
  const [target, setTarget] = useState('')
  const [votes, setVotes] = useState('')
  const me = wallet.account
  const mine = state.mine
  if (me === undefined || wallet.wallet === undefined) return <NeedAccount wallet={wallet} what="bond and guarantee" />
  const run = async (what: string, amountText: string, build: (plancks: bigint) => Tx) => {
    const plancks = parseCru(amountText)
    if (plancks === undefined || plancks === 0n) return setStatus({ error: `${what}: the amount is not a number of CRU (e.g. 10).` })
    setBusy(true)
    setStatus({ info: 'signing…' })
    try {
      const { blockNumber } = await pd.send(api, wallet.wallet!, build(plancks), me.address, (info) => setStatus({ info }))
      setStatus({ ok: `${what} ${formatCru(plancks)}: included in block #${blockNumber}.` })
    } catch (err) {
      setStatus({ error: `${what} failed: ${(err as Error).message}` })
    } finally {
      setBusy(false)
    }
  }
  const staking = api.tx.staking!
  const bond = (e: Event) => {
    e.preventDefault()
    // The stash is its own controller, as Crust Apps bonds by default.
    void run(mine?.bonded === true ? 'Bonded more' : 'Bonded', bondAmount, (v) =>
      mine?.bonded === true ? staking.bondExtra!(v) : staking.bond!(me.address, v),
    )
  }
  const unbond = (e: Event) => {
    e.preventDefault()
    void run('Unbonded', unbondAmount, (v) => staking.unbond!(v))
  }
  const guarantee = (e: Event) => {
    e.preventDefault()
    if (target === '') return setStatus({ error: 'Guarantee: choose a validator.' })
    void run('Guaranteed', votes, (v) => staking.guarantee!([target, v]))
  }
  const guaranteedTotal = mine?.guaranteed.reduce((sum, g) => sum + g.value, 0n) ?? 0n
  return (
    <section aria-labelledby="my-staking-title">
      <h2 id="my-staking-title">{me.name}'s stake</h2>
      {mine === undefined ? (
        <p class="note">Loading…</p>
      ) : (
        <p>
          Bonded{' '}
          <b data-testid="my-bonded" data-plancks={mine.active.toString()}>
            {formatCru(mine.active)}
          </b>{' '}
          active
          {mine.total > mine.active && ` of ${formatCru(mine.total)}`}; guaranteed{' '}
          <b data-testid="my-guaranteed" data-plancks={guaranteedTotal.toString()}>
            {formatCru(guaranteedTotal)}
          </b>
          {mine.unlocking.length > 0 && (
            <span data-testid="my-unlocking" data-plancks={mine.unlocking.reduce((s, u) => s + u.value, 0n).toString()}>
              ; unlocking {mine.unlocking.map((u) => `${formatCru(u.value)} at era ${u.era}`).join(', ')}
            </span>
          )}
        </p>
      )}
      <form onSubmit={bond}>
        <label>
          {mine?.bonded === true ? 'Bond more (CRU)' : 'Bond (CRU)'}
          <input name="bond" inputMode="decimal" value={bondAmount} onInput={(e) => setBondAmount((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Bond
        </button>
      </form>
      <form onSubmit={guarantee}>
        <label>
          Validator to guarantee
          <select name="target" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)} required>
            <option value="">choose one</option>
            {state.validators.map((v) => (
              <option key={v.stash} value={v.stash}>
                {wallet.wallet!.accounts.find((a) => a.address === v.stash)?.name ?? short(v.stash)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Votes (CRU of the bond)
          <input name="votes" inputMode="decimal" value={votes} onInput={(e) => setVotes((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={busy || mine?.bonded !== true}>
          Guarantee
        </button>
      </form>
      <form onSubmit={unbond}>
        <label>
          Unbond (CRU; what is not guaranteed)
          <input name="unbond" inputMode="decimal" value={unbondAmount} onInput={(e) => setUnbondAmount((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={busy || mine?.bonded !== true}>
          Unbond
        </button>
      </form>
      {mine?.bonded !== true && <p class="note">Bond first: guarantees and unbonding use the bonded balance.</p>}
      <p aria-live="polite" data-testid="staking-status" class={status.error !== undefined ? 'error' : status.ok !== undefined ? 'ok' : 'note'}>
        {status.error ?? status.ok ?? status.info ?? ''}
      </p>
    </section>
  )
}

function Staking({ rpc, api, pd, wallet }: { rpc: PageProps['rpc']; api: ApiPromise; pd: Polkadot; wallet: WalletState }) {
  const { state, error } = useStaking(rpc, api, wallet.account?.address)
  const names = new Map((wallet.wallet?.accounts ?? []).map((a) => [a.address, a.name]))
  if (error !== undefined && state === undefined) return <p class="error">{error}</p>
  if (state === undefined) return <p class="note">Loading…</p>
  return (
    <>
      <Validators state={state} names={names} />
      <MyStaking api={api} pd={pd} wallet={wallet} state={state} />
    </>
  )
}

export function StakingPage({ config, rpc, wallet }: PageProps) {
  const { api, pd, error } = useApi(config.chainRpc)
  if (error !== undefined) return <p class="error">{error}</p>
  if (api === undefined || pd === undefined) return <p class="note">Connecting…</p>
  return <Staking rpc={rpc} api={api} pd={pd} wallet={wallet} />
}
