/**
 * Files: upload through the W3Auth gateway (signed by the account), a fee quote, the order signed
 * by the account, and a live timeline per file: added → ordered → replicas reported → expiry. The
 * account's files are the gateway's pins for it, with their orders read live from the chain.
 */
import { CID } from 'multiformats/cid'
import { useEffect, useState } from 'preact/hooks'
import { formatBytes, formatCru, parseCru } from '../format.js'
import { type Polkadot, polkadot } from '../lazy.js'
import type { PageProps } from '../main.js'
import type { ApiPromise } from '../polkadot.js'
import { useApi } from '../use-api.js'
import { type Added, type Picked, pickDrop, pickFile, pickFolderInput, upload } from '../upload.js'
import { NeedAccount } from '../wallet.js'

/** Replicas the dev network aims for (the pinning service's `--replicas`). */
const TARGET_REPLICAS = 3
const MIB = 1024n * 1024n
/** The memo a folder's order carries, as `crust upload` writes it. */
const FOLDER_MEMO = 'folder'

interface Order {
  replicas: number
  expiredAt: number
  prepaid: bigint
}

async function quote(api: ApiPromise, address: string, added: Added): Promise<{ order: bigint; txFee: bigint }> {
  const market = api.query.market!
  const [base, byte, keys] = (await Promise.all([market.fileBaseFee!(), market.fileByteFee!(), market.fileKeysCountFee!()])).map((c) =>
    (c as unknown as { toBigInt(): bigint }).toBigInt(),
  ) as [bigint, bigint, bigint]
  const tx = api.tx.market!.placeStorageOrder!(added.cid, added.size, 0, added.folder ? FOLDER_MEMO : '')
  const info = await tx.paymentInfo(address)
  return { order: base + byte * ((added.size + MIB - 1n) / MIB) + keys, txFee: info.partialFee.toBigInt() }
}

/** The page's one @polkadot/api connection (shared with useApi's), awaited where a step needs it. */
async function connected(config: PageProps['config']): Promise<{ api: ApiPromise; pd: Polkadot }> {
  const pd = await polkadot()
  return { pd, api: await pd.connectApi(config.chainRpc) }
}

function readOrder(value: unknown): Order | undefined {
  const json = (value as { toJSON(): unknown }).toJSON() as { reportedReplicaCount?: number; expiredAt?: number; prepaid?: number | string } | null
  if (json === null || json === undefined) return undefined
  return { replicas: json.reportedReplicaCount ?? 0, expiredAt: json.expiredAt ?? 0, prepaid: BigInt(json.prepaid ?? 0) }
}

function Timeline({ api, cid, ordered, paid }: { api: ApiPromise; cid: string; ordered: number | undefined; paid?: string }) {
  const [order, setOrder] = useState<Order | undefined>()
  useEffect(() => {
    const unsub = api.query.market!.filesV2!(cid, (v: unknown) => setOrder(readOrder(v))) as unknown as Promise<() => void>
    return () => {
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [api, cid])
  const replicas = order?.replicas ?? 0
  const steps = [
    { done: true, text: 'added to IPFS through the gateway' },
    ...(paid === undefined ? [] : [{ done: true, text: paid }]),
    {
      done: order !== undefined || ordered !== undefined,
      text: ordered !== undefined ? `ordered in block #${ordered}` : paid !== undefined ? 'ordered on Crust by the order node' : 'ordered',
    },
    ...Array.from({ length: TARGET_REPLICAS }, (_, i) => ({ done: replicas > i, text: `${i + 1} replica${i === 0 ? '' : 's'} reported` })),
    {
      done: (order?.expiredAt ?? 0) > 0,
      text: order !== undefined && order.expiredAt > 0 ? `paid until block #${order.expiredAt}` : 'paid period starts at the first replica',
    },
  ]
  return (
    <>
      <ol class="timeline" aria-label={`Progress of ${cid}`}>
        {steps.map((s) => (
          <li key={s.text} class={s.done ? 'done' : ''}>
            {s.text}
          </li>
        ))}
      </ol>
      <p aria-live="polite">
        {order !== undefined && <span data-testid="crust-ordered">On Crust. </span>}
        Replicas reported: <b data-testid="replicas">{replicas}</b>
        {order !== undefined && order.prepaid > 0n && <span class="note"> · prepaid {formatCru(order.prepaid)}</span>}
      </p>
    </>
  )
}

function GatewayLink({ config, cid }: { config: PageProps['config']; cid: string }) {
  const base = config.ipfsGateway ?? config.gateway
  if (base === undefined) return null
  const href = `${base.replace(/\/+$/, '')}/ipfs/${cid}`
  return (
    <a href={href} target="_blank" rel="noreferrer" data-testid="gateway-link">
      open on the gateway
    </a>
  )
}

/**
 * The upload form. It is drawn before @polkadot/api has connected (`api` undefined): choosing and
 * uploading a file need only the account's signature; the quote and the order wait for the connection.
 */
function Upload({ api, config, wallet, onAdded }: { api: ApiPromise | undefined; onAdded: () => void } & Pick<PageProps, 'config' | 'wallet'>) {
  const [file, setFile] = useState<Picked | undefined>()
  const [sent, setSent] = useState(0)
  const [added, setAdded] = useState<Added | undefined>()
  const [fee, setFee] = useState<{ order: bigint; txFee: bigint } | undefined>()
  const [ordered, setOrdered] = useState<number | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const [over, setOver] = useState(false)
  const [payWith, setPayWith] = useState<'crust' | 'evm'>('crust')
  const evm = useEvmWallet(config, payWith === 'evm')
  const [evmFee, setEvmFee] = useState<{ wei: bigint; text: string } | undefined>()
  const [paid, setPaid] = useState<string | undefined>()
  const account = wallet.account!
  const w = wallet.wallet!
  const pick = (f: Picked | undefined) => {
    setFile(f)
    setAdded(undefined)
    setFee(undefined)
    setEvmFee(undefined)
    setOrdered(undefined)
    setPaid(undefined)
    setError(undefined)
    setSent(0)
  }
  const doUpload = async () => {
    if (file === undefined || config.gateway === undefined) return
    setBusy(true)
    setError(undefined)
    try {
      if (payWith === 'evm') {
        // W3Auth's ethereum form, signed by the EVM account that pays.
        const { ev, from, wallet: ew } = evmReady(evm)
        const a = await upload(config.gateway, await ev.evmW3authToken(ew, from), file, setSent)
        setAdded(a)
        setEvmFee(await ev.evmQuote(ew, config.evm!, a.size))
        return
      }
      const token = await w.w3authToken(account.address)
      const a = await upload(config.gateway, token, file, setSent)
      setAdded(a)
      onAdded()
      setFee(await quote((await connected(config)).api, account.address, a))
    } catch (err) {
      setError(`Upload failed: ${(err as Error).message}`)
    } finally {
      setBusy(false)
    }
  }
  const doEvmOrder = async () => {
    if (added === undefined || evmFee === undefined) return
    setBusy(true)
    setError(undefined)
    try {
      const { ev, from, wallet: ew } = evmReady(evm)
      const { blockNumber } = await ev.evmPlaceOrder(ew, config.evm!, from, { cid: added.cid, size: added.size, price: evmFee.wei })
      setPaid(`paid ${evmFee.text} by ${from.slice(0, 8)}… in EVM block #${blockNumber}`)
    } catch (err) {
      setError(`The EVM order failed: ${(err as Error).message}`)
    } finally {
      setBusy(false)
    }
  }
  const doOrder = async () => {
    if (added === undefined) return
    setBusy(true)
    setError(undefined)
    try {
      const { api, pd } = await connected(config)
      const tx = api.tx.market!.placeStorageOrder!(added.cid, added.size, 0, added.folder ? FOLDER_MEMO : '')
      const { blockNumber } = await pd.send(api, w, tx, account.address)
      setOrdered(blockNumber)
    } catch (err) {
      setError(`The order failed: ${(err as Error).message}`)
    } finally {
      setBusy(false)
    }
  }
  if (config.gateway === undefined)
    return <p class="error">This console was started without a W3Auth gateway, so it cannot upload. Start it with crust dev or crust gateway --console-port.</p>
  return (
    <section aria-labelledby="upload-title">
      <h2 id="upload-title">Store a file or a folder</h2>
      <label
        class={`drop${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault()
          setOver(true)
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault()
          setOver(false)
          pickDrop(e.dataTransfer).then(pick, (err: Error) => setError(`Cannot read what was dropped: ${err.message}`))
        }}
      >
        Drop a file or a folder here, or choose one
        <input
          type="file"
          data-testid="file-input"
          onChange={(e) => {
            const f = (e.target as HTMLInputElement).files?.[0]
            pick(f === undefined ? undefined : pickFile(f))
          }}
        />
      </label>
      <label class="folder-pick">
        or a folder:{' '}
        <input
          type="file"
          data-testid="folder-input"
          {...{ webkitdirectory: true }}
          onChange={(e) => {
            const files = (e.target as HTMLInputElement).files
            pick(files === null ? undefined : pickFolderInput(files))
          }}
        />
      </label>
      {config.evm !== undefined && (
        <fieldset class="pay-with">
          <legend>Pay with</legend>
          <label>
            <input type="radio" name="pay" checked={payWith === 'crust'} onChange={() => setPayWith('crust')} disabled={added !== undefined} /> {account.name}{' '}
            (CRU, signed order)
          </label>
          <label>
            <input type="radio" name="pay" checked={payWith === 'evm'} onChange={() => setPayWith('evm')} disabled={added !== undefined} /> an EVM account
            (storage-order contract on chain {config.evm.chainId})
          </label>
          {payWith === 'evm' && <EvmAccountPicker evm={evm} />}
        </fieldset>
      )}
      {file !== undefined && (
        <p>
          {file.folder ? `folder ${file.name}: ${file.parts.filter((p) => p.file !== undefined).length} files` : file.name}, {formatBytes(file.size)}{' '}
          <button type="button" onClick={doUpload} disabled={busy || added !== undefined || (payWith === 'evm' && evm.from === undefined)}>
            Upload
          </button>
          {busy && added === undefined && (
            <progress max={file.size} value={sent} aria-label="Upload progress">
              {sent}
            </progress>
          )}
        </p>
      )}
      {added !== undefined && (
        <>
          <p>
            CID <code data-testid="cid">{added.cid}</code> ({formatBytes(added.size)} in IPFS) · <GatewayLink config={config} cid={added.cid} />
          </p>
          {fee !== undefined && ordered === undefined && (
            <p data-testid="fee-quote">
              Storing it costs {formatCru(fee.order)} plus a transaction fee of about {formatCru(fee.txFee)}.{' '}
              <button type="button" onClick={doOrder} disabled={busy}>
                Place order
              </button>
            </p>
          )}
          {evmFee !== undefined && paid === undefined && (
            <p data-testid="evm-fee-quote">
              The storage-order contract charges {evmFee.text}; its order node then places and pays the Crust order.{' '}
              <button type="button" onClick={doEvmOrder} disabled={busy}>
                Pay and order
              </button>
            </p>
          )}
          {ordered !== undefined && api !== undefined && <Timeline api={api} cid={added.cid} ordered={ordered} />}
          {paid !== undefined && api !== undefined && <Timeline api={api} cid={added.cid} ordered={undefined} paid={paid} />}
        </>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

type EvmModule = typeof import('../evm.js')
interface EvmState {
  ev?: EvmModule
  wallet?: import('../evm.js').EvmWallet
  from?: `0x${string}`
  error?: string
  select(address: `0x${string}`): void
}

/** The EVM wallet, connected (and its chunk loaded) once the user chooses to pay with it. */
function useEvmWallet(config: PageProps['config'], wanted: boolean): EvmState {
  const [state, setState] = useState<Omit<EvmState, 'select'>>({})
  useEffect(() => {
    if (!wanted || state.wallet !== undefined) return
    import('../evm.js')
      .then(async (ev) => {
        const wallet = await ev.connectEvmWallet(config)
        setState({ ev, wallet, ...(wallet.accounts[0] === undefined ? {} : { from: wallet.accounts[0] }) })
      })
      .catch((err: Error) => setState({ error: err.message }))
  }, [wanted])
  return { ...state, select: (from) => setState((s) => ({ ...s, from })) }
}

function evmReady(evm: EvmState): { ev: EvmModule; wallet: NonNullable<EvmState['wallet']>; from: `0x${string}` } {
  if (evm.ev === undefined || evm.wallet === undefined || evm.from === undefined) throw new Error(evm.error ?? 'the EVM wallet is not connected yet')
  return { ev: evm.ev, wallet: evm.wallet, from: evm.from }
}

function EvmAccountPicker({ evm }: { evm: EvmState }) {
  if (evm.error !== undefined)
    return (
      <p class="error" role="alert" data-testid="evm-error">
        {evm.error}
      </p>
    )
  if (evm.wallet === undefined) return <p class="note">Connecting the EVM wallet…</p>
  return (
    <label>
      {evm.wallet.kind === 'dev' ? 'EVM dev account' : 'EVM wallet account'}
      <select data-testid="evm-account" value={evm.from} onChange={(e) => evm.select((e.target as HTMLSelectElement).value as `0x${string}`)}>
        {evm.wallet.accounts.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
    </label>
  )
}

/**
 * The gateway lists pins as CIDv1; orders name a file as it was added (CIDv0 for a dag-pb file
 * with a sha2-256 hash, as Crust's clients add them), so the list asks the chain under that name.
 */
function asOrdered(cid: string): string {
  try {
    const parsed = CID.parse(cid)
    return parsed.version === 1 && parsed.code === DAG_PB && parsed.multihash.code === SHA2_256 ? parsed.toV0().toString() : cid
  } catch {
    return cid
  }
}

const DAG_PB = 0x70
const SHA2_256 = 0x12

interface Stat {
  kind: 'file' | 'directory'
  /** The DAG's cumulative size. */
  size: number
}

/** `files/stat` of `/ipfs/<cid>` through the gateway (a read the tenant may make). */
async function statOnGateway(gateway: string, token: string, cid: string): Promise<Stat> {
  const res = await fetch(`${gateway}/api/v0/files/stat?arg=${encodeURIComponent(`/ipfs/${cid}`)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${token}` },
  })
  if (!res.ok) throw new Error(`the gateway answered ${res.status}`)
  const body = (await res.json()) as { Type?: string; CumulativeSize?: number }
  return { kind: body.Type === 'directory' ? 'directory' : 'file', size: body.CumulativeSize ?? 0 }
}

/**
 * Adds to a file's prepaid pool (`market.add_prepaid`, signed by the account): the amount is checked
 * before anything is signed (a number of CRU, more than 0, within what the account can spend with
 * the fee), and the chain's refusals are said in words.
 */
function AddPrepaid({ api, pd, wallet, cid }: { api: ApiPromise; pd: Polkadot; cid: string } & Pick<PageProps, 'wallet'>) {
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>()
  const account = wallet.account!
  const submit = async (e: Event) => {
    e.preventDefault()
    const amount = parseCru(text)
    if (amount === undefined) return setStatus({ ok: false, text: 'Type an amount in CRU, such as 1.5 (at most 12 decimals).' })
    if (amount === 0n) return setStatus({ ok: false, text: 'The amount must be more than 0 CRU.' })
    setBusy(true)
    setStatus({ ok: true, text: 'Signing…' })
    try {
      const tx = api.tx.market!.addPrepaid!(cid, amount)
      const [fee, usable] = await Promise.all([tx.paymentInfo(account.address).then((i) => i.partialFee.toBigInt()), pd.usableBalance(api, account.address)])
      if (amount + fee > usable) {
        setStatus({
          ok: false,
          text: `Balance too low: ${account.name} can spend ${formatCru(usable)}, and adding ${formatCru(amount)} of prepaid takes that plus a fee of about ${formatCru(fee)}. Fund the account (e.g. a transfer from //Alice) or add less.`,
        })
        return
      }
      const { blockNumber } = await pd.send(api, wallet.wallet!, tx, account.address, (info) => setStatus({ ok: true, text: info }))
      setStatus({ ok: true, text: `Added ${formatCru(amount)} of prepaid: included in block #${blockNumber}` })
      setText('')
    } catch (err) {
      setStatus({ ok: false, text: `Adding prepaid failed: ${(err as Error).message}` })
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="prepaid" onSubmit={submit}>
      <input
        inputMode="decimal"
        size={6}
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        aria-label={`Prepaid to add for ${cid} (CRU)`}
        placeholder="CRU"
      />{' '}
      <button type="submit" disabled={busy}>
        Add prepaid
      </button>
      {status !== undefined && ' '}
      {status !== undefined && (
        <span class={status.ok ? 'ok' : 'error'} data-testid="prepaid-status" aria-live="polite">
          {status.text}
        </span>
      )}
    </form>
  )
}

function MyFiles({ api, pd, config, wallet, version }: { api: ApiPromise; pd: Polkadot; version: number } & Pick<PageProps, 'config' | 'wallet'>) {
  const [cids, setCids] = useState<string[] | undefined>()
  const [orders, setOrders] = useState<Array<Order | undefined>>([])
  const [error, setError] = useState<string | undefined>()
  const [kinds, setKinds] = useState<Map<string, Stat>>(new Map())
  const account = wallet.account!
  useEffect(() => {
    const gateway = config.gateway
    if (gateway === undefined) return
    setCids(undefined)
    wallet
      .wallet!.w3authToken(account.address)
      .then(async (token) => {
        const res = await fetch(`${gateway}/api/v0/pin/ls?type=recursive`, { method: 'POST', headers: { authorization: `Basic ${token}` } })
        if (!res.ok) throw new Error(`the gateway answered ${res.status}`)
        const body = (await res.json()) as { Keys?: Record<string, unknown> }
        const listed = Object.keys(body.Keys ?? {}).map(asOrdered)
        setCids(listed)
        // Whether each is a file or a folder, and its size in IPFS (the DAG's, as an order takes it).
        const stats = await Promise.all(listed.map((cid) => statOnGateway(gateway, token, cid).catch(() => undefined)))
        setKinds(new Map(listed.flatMap((cid, i) => (stats[i] === undefined ? [] : [[cid, stats[i]] as const]))))
      })
      .catch((err: Error) => setError(`Cannot list the files: ${err.message}`))
  }, [account.address, config.gateway, version])
  useEffect(() => {
    if (cids === undefined || cids.length === 0) return
    const unsub = api.query.market!.filesV2!.multi(cids, (values: unknown[]) => setOrders(values.map(readOrder))) as unknown as Promise<() => void>
    return () => {
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [api, cids])
  return (
    <section aria-labelledby="mine-title">
      <h2 id="mine-title">{account.name}'s files on the gateway</h2>
      {error !== undefined && <p class="error">{error}</p>}
      {cids === undefined ? (
        <p class="note">Loading…</p>
      ) : cids.length === 0 ? (
        <p class="note">None yet.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">CID</th>
                <th scope="col">Size</th>
                <th scope="col">Status</th>
                <th scope="col">Replicas</th>
                <th scope="col">Expires</th>
                <th scope="col">Prepaid</th>
              </tr>
            </thead>
            <tbody>
              {cids.map((cid, i) => {
                const o = orders[i]
                const stat = kinds.get(cid)
                return (
                  <tr key={cid} data-testid="my-file" data-cid={cid} data-kind={stat?.kind} data-size={stat?.size}>
                    <td class="mono">
                      <GatewayLink config={config} cid={cid} /> {cid}
                    </td>
                    <td>{stat === undefined ? '…' : `${stat.kind === 'directory' ? 'folder' : 'file'}, ${formatBytes(stat.size)}`}</td>
                    <td>{o === undefined ? 'not ordered' : o.replicas > 0 ? 'stored' : 'ordered'}</td>
                    <td>{o?.replicas ?? 0}</td>
                    <td>{o !== undefined && o.expiredAt > 0 ? `#${o.expiredAt}` : '—'}</td>
                    <td>
                      {o === undefined ? (
                        '—'
                      ) : (
                        <>
                          <span data-testid="prepaid" data-plancks={String(o.prepaid)}>
                            {formatCru(o.prepaid)}
                          </span>
                          <AddPrepaid api={api} pd={pd} wallet={wallet} cid={cid} />
                        </>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

export function FilesPage({ config, wallet }: PageProps) {
  const { api, pd, error } = useApi(config.chainRpc)
  // Bumped by each upload, so the list reads the account's pins again.
  const [version, setVersion] = useState(0)
  if (wallet.account === undefined) return <NeedAccount wallet={wallet} what="store files" />
  return (
    <>
      {error !== undefined && <p class="error">{error}</p>}
      <Upload api={api} config={config} wallet={wallet} onAdded={() => setVersion((v) => v + 1)} />
      {api === undefined || pd === undefined ? (
        error === undefined && <p class="note">Connecting to the chain…</p>
      ) : (
        <MyFiles api={api} pd={pd} config={config} wallet={wallet} version={version} />
      )}
    </>
  )
}
