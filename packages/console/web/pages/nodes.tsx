/**
 * Nodes: every registered storage node's sWorker identity, its last work report (slot, freshness,
 * reported file bytes, SRD), spower and stake limit, read again at each new report slot.
 */
import { useEffect, useState } from 'preact/hooks'
import { formatBytes, formatCru, short } from '../format.js'
import type { PageProps } from '../main.js'
import type { ApiPromise } from '../polkadot.js'
import { headerNumber, type RpcHeader } from '../rpc.js'
import { useApi } from '../use-api.js'

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

function StorageNodes({ rpc, api }: { rpc: PageProps['rpc']; api: ApiPromise }) {
  const [nodes, setNodes] = useState<StorageNode[] | undefined>()
  const [slot, setSlot] = useState<number | undefined>()
  const [error, setError] = useState<string | undefined>()
  const slotLength = Number((api.consts.swork!.reportSlot as unknown as Codec).toString())
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
                      {n.reportSlot === undefined ? 'none yet' : `slot ${n.reportSlot}`} <span class={fresh ? 'ok' : 'error'}>{fresh ? 'fresh' : 'stale'}</span>
                    </td>
                    <td>{formatBytes(n.filesSize)}</td>
                    <td>{formatBytes(n.srd)}</td>
                    <td>{formatBytes(n.spower)}</td>
                    <td>{formatCru(n.stakeLimit)}</td>
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

export function NodesPage({ config, rpc }: PageProps) {
  const { api, error } = useApi(config.chainRpc)
  if (error !== undefined) return <p class="error">{error}</p>
  if (api === undefined) return <p class="note">Connecting…</p>
  return <StorageNodes rpc={rpc} api={api} />
}
