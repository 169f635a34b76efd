/** Chain: live heads and finality (thin RPC), a block's extrinsics and events, balances and a transfer. */
import { useEffect, useState } from 'preact/hooks'
import { formatCru, parseCru, short } from '../format.js'
import type { PageProps } from '../main.js'
import type { ApiPromise } from '../polkadot.js'
import { headerNumber, type RpcHeader } from '../rpc.js'
import { useApi } from '../use-api.js'
import { NeedAccount, type WalletState } from '../wallet.js'
import type { Polkadot } from '../lazy.js'

interface SeenBlock {
  number: number
  hash: string
}

const KEEP_BLOCKS = 10

function LiveHeads({ rpc, onPick }: Pick<PageProps, 'rpc'> & { onPick: (b: SeenBlock) => void }) {
  const [best, setBest] = useState<number | undefined>()
  const [finalized, setFinalized] = useState<number | undefined>()
  const [blocks, setBlocks] = useState<SeenBlock[]>([])
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    const unsubs: Array<Promise<() => void>> = []
    const onHead = (h: RpcHeader) => {
      const number = headerNumber(h)
      setBest(number)
      // The hash of a new head is its child's parent; ask for it directly.
      rpc.call<string>('chain_getBlockHash', [number]).then(
        (hash) => setBlocks((prev) => [{ number, hash }, ...prev.filter((b) => b.number !== number)].slice(0, KEEP_BLOCKS)),
        () => {},
      )
    }
    unsubs.push(rpc.subscribe<RpcHeader>('chain_subscribeNewHeads', 'chain_unsubscribeNewHeads', [], onHead))
    unsubs.push(rpc.subscribe<RpcHeader>('chain_subscribeFinalizedHeads', 'chain_unsubscribeFinalizedHeads', [], (h) => setFinalized(headerNumber(h))))
    for (const u of unsubs) u.catch((err: Error) => setError(err.message))
    return () => {
      for (const u of unsubs)
        u.then(
          (f) => f(),
          () => {},
        )
    }
  }, [rpc])
  return (
    <section aria-labelledby="heads-title">
      <h2 id="heads-title">Latest blocks</h2>
      {error !== undefined && <p class="error">{error}</p>}
      <div class="stats" aria-live="polite">
        <div class="stat">
          <b data-testid="best-number">{best ?? '…'}</b>
          <span>best block</span>
        </div>
        <div class="stat">
          <b data-testid="finalized-number">{finalized ?? '…'}</b>
          <span>finalized</span>
        </div>
        <div class="stat">
          <b data-testid="finality-lag">{best === undefined || finalized === undefined ? '…' : Math.max(0, best - finalized)}</b>
          <span>finality lag (blocks)</span>
        </div>
      </div>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Block</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {blocks.map((b) => (
              <tr key={b.hash}>
                <td>
                  <button type="button" class="link" onClick={() => onPick(b)} aria-label={`Show block ${b.number}`}>
                    #{b.number}
                  </button>
                </td>
                <td class="mono">{short(b.hash, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

interface BlockDetail {
  number: number
  hash: string
  extrinsics: Array<{ index: number; call: string; signer?: string }>
  events: Array<{ phase: string; name: string }>
}

async function loadBlock(api: ApiPromise, hash: string): Promise<BlockDetail> {
  const [signed, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.at(hash)])
  const events = (await at.query.system!.events!()) as unknown as Array<{
    phase: { isApplyExtrinsic: boolean; asApplyExtrinsic: { toNumber(): number }; type: string }
    event: { section: string; method: string }
  }>
  return {
    number: signed.block.header.number.toNumber(),
    hash,
    extrinsics: signed.block.extrinsics.map((xt, index) => ({
      index,
      call: `${xt.method.section}.${xt.method.method}`,
      ...(xt.isSigned ? { signer: xt.signer.toString() } : {}),
    })),
    events: events.map((e) => ({
      phase: e.phase.isApplyExtrinsic ? `extrinsic ${e.phase.asApplyExtrinsic.toNumber()}` : e.phase.type,
      name: `${e.event.section}.${e.event.method}`,
    })),
  }
}

function Block({ api, block }: { api: ApiPromise; block: SeenBlock }) {
  const [detail, setDetail] = useState<BlockDetail | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    setDetail(undefined)
    loadBlock(api, block.hash).then(setDetail, (err: Error) => setError(err.message))
  }, [api, block.hash])
  return (
    <section aria-labelledby="block-title" data-testid="block-detail">
      <h2 id="block-title">Block #{block.number}</h2>
      {error !== undefined && <p class="error">{error}</p>}
      {detail === undefined ? (
        <p class="note">Loading…</p>
      ) : (
        <>
          <p class="mono">{detail.hash}</p>
          <h3>Extrinsics</h3>
          <ul>
            {detail.extrinsics.map((x) => (
              <li key={x.index}>
                {x.index}: <code>{x.call}</code>
                {x.signer !== undefined && <span class="note"> from {short(x.signer)}</span>}
              </li>
            ))}
          </ul>
          <h3>Events</h3>
          <ul>
            {detail.events.map((e, i) => (
              <li key={i}>
                <code>{e.name}</code> <span class="note">({e.phase})</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function Balance({ api, pd, address, testid }: { api: ApiPromise; pd: Polkadot; address: string; testid: string }) {
  const [free, setFree] = useState<bigint | undefined>()
  useEffect(() => {
    setFree(undefined)
    const unsub = pd.watchBalance(api, address, setFree)
    return () => {
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [api, address])
  return (
    <span data-testid={testid} data-plancks={free?.toString()}>
      {free === undefined ? '…' : formatCru(free)}
    </span>
  )
}

function Transfer({ api, pd, wallet }: { api: ApiPromise; pd: Polkadot; wallet: WalletState }) {
  const [to, setTo] = useState('')
  const [amount, setAmount] = useState('')
  const [status, setStatus] = useState<{ ok?: string; error?: string; info?: string }>({})
  const [busy, setBusy] = useState(false)
  const from = wallet.account
  if (from === undefined || wallet.wallet === undefined) return <NeedAccount wallet={wallet} what="see balances and transfer" />
  const validTo = to !== '' && isAddress(pd, to)
  const submit = async (e: Event) => {
    e.preventDefault()
    const plancks = parseCru(amount)
    if (!validTo) return setStatus({ error: 'The recipient is not an SS58 address.' })
    if (plancks === undefined || plancks === 0n) return setStatus({ error: 'The amount is not a number of CRU (e.g. 1.5).' })
    setBusy(true)
    setStatus({ info: 'signing…' })
    try {
      const tx = api.tx.balances!.transferKeepAlive!(to, plancks)
      const { blockNumber } = await pd.send(api, wallet.wallet!, tx, from.address, (info) => setStatus({ info }))
      setStatus({ ok: `Sent ${formatCru(plancks)}: included in block #${blockNumber}.` })
    } catch (err) {
      setStatus({ error: `The transfer failed: ${(err as Error).message}` })
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="transfer-title">
      <h2 id="transfer-title">Balances and transfer</h2>
      <p>
        {from.name} <span class="mono">{short(from.address)}</span>: <Balance api={api} pd={pd} address={from.address} testid="balance-from" />
      </p>
      <form onSubmit={submit}>
        <label>
          Recipient address
          <input name="to" list="known-accounts" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value.trim())} autocomplete="off" required />
        </label>
        <datalist id="known-accounts">
          {wallet.wallet.accounts.map((a) => (
            <option key={a.address} value={a.address}>
              {a.name}
            </option>
          ))}
        </datalist>
        {validTo && (
          <p>
            Recipient balance: <Balance api={api} pd={pd} address={to} testid="balance-to" />
          </p>
        )}
        <label>
          Amount (CRU)
          <input name="amount" inputMode="decimal" value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Send
        </button>
      </form>
      <p aria-live="polite" data-testid="transfer-status" class={status.error !== undefined ? 'error' : status.ok !== undefined ? 'ok' : 'note'}>
        {status.error ?? status.ok ?? status.info ?? ''}
      </p>
    </section>
  )
}

function isAddress(pd: Polkadot, text: string): boolean {
  try {
    pd.decodeAddress(text)
    return true
  } catch {
    return false
  }
}

export function ChainPage({ config, rpc, wallet }: PageProps) {
  const { api, pd, error } = useApi(config.chainRpc)
  const [picked, setPicked] = useState<SeenBlock | undefined>()
  return (
    <>
      <LiveHeads rpc={rpc} onPick={setPicked} />
      {error !== undefined && <p class="error">{error}</p>}
      {api !== undefined && pd !== undefined && picked !== undefined && <Block api={api} block={picked} />}
      {api !== undefined && pd !== undefined ? <Transfer api={api} pd={pd} wallet={wallet} /> : <NeedAccount wallet={wallet} what="transfer" />}
    </>
  )
}
