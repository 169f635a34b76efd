/**
 * Nodes: every registered storage node's sWorker identity, its last work report (slot, freshness,
 * reported file bytes, SRD), spower and stake limit, read again at each new report slot; for the
 * nodes the console knows, what only the node can tell (sealed bytes, SRD units, its chain's head,
 * storage challenges, IPFS peers and the best-ranked one), from the node's read-only status.
 */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { formatBytes, formatCru, short } from '../format.js'
import type { PageProps } from '../main.js'
import { type NodeStatusView, readNodeStatus } from '../node-status.js'
import type { ApiPromise } from '../polkadot.js'
import { lazyPart } from '../lazy-part.js'
import { headerNumber, type RpcHeader } from '../rpc.js'
import { useApi } from '../use-api.js'

type StatusRead = { status: NodeStatusView } | { error: string }

/**
 * The storage nodes' own status, read again on each new best block the page is told of (at most
 * one request per node in flight): the page follows the chain's subscription, not a timer.
 */
function useNodeStatuses(rpc: PageProps['rpc'], links: NonNullable<PageProps['config']['storageNodes']>): Map<string, StatusRead> {
  const [reads, setReads] = useState<Map<string, StatusRead>>(new Map())
  useEffect(() => {
    if (links.length === 0) return undefined
    const abort = new AbortController()
    const inFlight = new Set<string>()
    const refresh = () => {
      for (const link of links) {
        if (inFlight.has(link.account)) continue
        inFlight.add(link.account)
        readNodeStatus(link.status, abort.signal)
          .then(
            (status): StatusRead => ({ status }),
            (err: Error): StatusRead => ({ error: err.message }),
          )
          .then((read) => {
            inFlight.delete(link.account)
            if (!abort.signal.aborted) setReads((prev) => new Map(prev).set(link.account, read))
          })
      }
    }
    refresh()
    const unsub = rpc.subscribe<RpcHeader>('chain_subscribeNewHeads', 'chain_unsubscribeNewHeads', [], refresh)
    return () => {
      abort.abort()
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [rpc, links])
  return reads
}

const sealedBytes = (s: NodeStatusView) => s.sworker?.files.valid?.bytes ?? 0

function NodeStatusCells({ read }: { read: StatusRead | undefined }) {
  if (read === undefined)
    return (
      <td colSpan={4} class="note">
        {'…'}
      </td>
    )
  if ('error' in read)
    return (
      <td colSpan={4} class="error" data-testid="node-status-error">
        {read.error}
      </td>
    )
  const s = read.status
  const c = s.smanager?.challenges
  const top = s.ipfs?.ranked[0]
  return (
    <>
      <td data-testid="node-sealed" data-bytes={sealedBytes(s)} data-srd={s.sworker?.srd.bytes ?? 0}>
        {formatBytes(sealedBytes(s))} sealed
        <br />
        <span class="note">
          SRD {formatBytes(s.sworker?.srd.bytes ?? 0)} ({s.sworker?.srd.units ?? 0} units)
        </span>
      </td>
      <td>
        #{s.chain.best} <span class="note">final #{s.chain.finalized}</span>
        {s.chain.lastHeadAgeMs !== undefined && <span class="note"> · {(s.chain.lastHeadAgeMs / 1000).toFixed(1)} s ago</span>}
      </td>
      <td>{c === undefined ? <span class="note">off</span> : `${c.passed} passed, ${c.failed} failed, ${c.missed} missed`}</td>
      <td>
        {s.ipfs?.peers ?? 0} peers
        {top !== undefined && (
          <span class="note">
            {' '}
            · best {short(top.peerId, 6)} ({top.score.toFixed(2)})
          </span>
        )}
      </td>
    </>
  )
}

interface StorageNode {
  account: string
  anchor: string
  reportSlot?: number
  filesSize: bigint
  srd: bigint
  spower: bigint
  stakeLimit: bigint
}

type Codec = { toJSON(): unknown; toString(): string }

async function readNodes(api: ApiPromise): Promise<StorageNode[]> {
  const entries = (await api.query.swork!.identities!.entries()) as unknown as Array<[{ args: Codec[] }, Codec]>
  return Promise.all(
    entries.map(async ([key, value]) => {
      const account = key.args[0]!.toString()
      const identity = value.toJSON() as { anchor?: string } | null
      const anchor = identity?.anchor ?? ''
      const [report, limit] = await Promise.all([
        anchor === '' ? undefined : (api.query.swork!.workReports!(anchor) as Promise<Codec>),
        api.query.staking!.stakeLimit!(account) as Promise<Codec>,
      ])
      const wr = (report?.toJSON() ?? null) as {
        reportSlot?: number
        spower?: number | string
        free?: number | string
        reportedFilesSize?: number | string
      } | null
      return {
        account,
        anchor,
        ...(wr?.reportSlot === undefined ? {} : { reportSlot: wr.reportSlot }),
        filesSize: BigInt(wr?.reportedFilesSize ?? 0),
        srd: BigInt(wr?.free ?? 0),
        spower: BigInt(wr?.spower ?? 0),
        stakeLimit: BigInt((limit.toJSON() as number | string | null) ?? 0),
      }
    }),
  )
}

const NO_LINKS: NonNullable<PageProps['config']['storageNodes']> = []

/** The charts and the validators, each in its own chunk: fetched when the Nodes page opens, not with the first page. */
const LazyNodeCharts = lazyPart(() => import('./node-charts.js').then((m) => m.NodeCharts), 'charts')
const LazyValidators = lazyPart(() => import('./validators.js').then((m) => m.Validators), 'validators')

function StorageNodes({ rpc, api, config }: { rpc: PageProps['rpc']; api: ApiPromise; config: PageProps['config'] }) {
  const links = config.storageNodes ?? NO_LINKS
  const statuses = useNodeStatuses(rpc, links)
  // The chain and the node may spell one account in different SS58 formats: match on its bytes.
  const accountKey = (address: string) => {
    try {
      return api.createType('AccountId', address).toHex()
    } catch {
      return address
    }
  }
  const statusOf = (account: string) => {
    const key = accountKey(account)
    const link = links.find((l) => accountKey(l.account) === key)
    return link === undefined ? undefined : statuses.get(link.account)
  }
  const [nodes, setNodes] = useState<StorageNode[] | undefined>()
  const [slot, setSlot] = useState<number | undefined>()
  const [error, setError] = useState<string | undefined>()
  const slotLength = Number((api.consts.swork!.reportSlot as unknown as Codec).toString())
  // The charts name each sWorker anchor by its node's name (when the console knows it) or account.
  const names = useMemo(
    () => new Map((nodes ?? []).map((n) => [n.anchor, links.find((l) => accountKey(l.account) === accountKey(n.account))?.name ?? short(n.account)])),
    [nodes, links],
  )
  useEffect(() => {
    // The slot the best block is in; reports land once per slot, so they are read again when it moves.
    let current: number | undefined
    const unsub = rpc.subscribe<RpcHeader>('chain_subscribeNewHeads', 'chain_unsubscribeNewHeads', [], (h) => {
      const now = Math.floor(headerNumber(h) / slotLength) * slotLength
      if (now === current) return
      current = now
      setSlot(now)
      readNodes(api).then(setNodes, (err: Error) => setError(err.message))
    })
    unsub.catch((err: Error) => setError(err.message))
    return () => {
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [rpc, api])
  return (
    <>
      <section aria-labelledby="storage-title">
        <h2 id="storage-title">Storage nodes</h2>
        <p class="note">
          The best block is in report slot {slot ?? '…'} (a slot is {slotLength} blocks). A report is fresh when it is for this slot or the one before.
        </p>
        {error !== undefined && <p class="error">{error}</p>}
        {nodes === undefined ? (
          <p class="note">Loading…</p>
        ) : nodes.length === 0 ? (
          <p class="note">No storage node has registered yet.</p>
        ) : (
          <div class="scroll">
            <table data-testid="storage-nodes">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">sWorker identity</th>
                  <th scope="col">Last report</th>
                  <th scope="col">Files</th>
                  <th scope="col">SRD</th>
                  <th scope="col">Spower</th>
                  <th scope="col">Stake limit</th>
                  {links.length > 0 && (
                    <>
                      <th scope="col">On the node</th>
                      <th scope="col">Its chain</th>
                      <th scope="col">Challenges</th>
                      <th scope="col">IPFS</th>
                    </>
                  )}
                </tr>
              </thead>
              <tbody>
                {nodes.map((n) => {
                  const fresh = n.reportSlot !== undefined && slot !== undefined && n.reportSlot >= slot - slotLength
                  return (
                    <tr key={n.account} data-testid="storage-node" data-fresh={String(fresh)}>
                      <td class="mono">{short(n.account)}</td>
                      <td class="mono">{short(n.anchor, 10)}</td>
                      <td>
                        {n.reportSlot === undefined ? 'none yet' : `slot ${n.reportSlot}`}{' '}
                        <span class={fresh ? 'ok' : 'error'}>{fresh ? 'fresh' : 'stale'}</span>
                      </td>
                      <td>{formatBytes(n.filesSize)}</td>
                      <td>{formatBytes(n.srd)}</td>
                      <td>{formatBytes(n.spower)}</td>
                      <td>{formatCru(n.stakeLimit)}</td>
                      {links.length > 0 && <NodeStatusCells read={statusOf(n.account)} />}
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <LazyValidators api={api} rpc={rpc} />
      <LazyNodeCharts api={api} reportSlot={slotLength} names={names} />
    </>
  )
}

export function NodesPage({ config, rpc }: PageProps) {
  const { api, error } = useApi(config.chainRpc)
  if (error !== undefined) return <p class="error">{error}</p>
  if (api === undefined) return <p class="note">Connecting…</p>
  return <StorageNodes rpc={rpc} api={api} config={config} />
}
