/**
 * The Nodes page's validators (a lazy chunk). Who authors and who votes is read from the node:
 * `crust_validatorActivity` counts each validator's blocks in the last {@link WINDOW} blocks (their
 * Aura slots) and its precommits in the justifications stored with them (finality votes are gossiped,
 * never on chain). The session's validators and their ImOnline records (`Session.Validators`,
 * `ImOnline.AuthoredBlocks`, `ImOnline.ReceivedHeartbeats`) come from the chain's state at the same
 * block. The two sets can differ: a single-authority dev chain keeps its genesis authority authoring
 * and voting while the election names storage accounts that run no validator. Read again at each
 * new best block the chain's subscription announces.
 */
import { useEffect, useState } from 'preact/hooks'
import { short } from '../format.js'
import type { ApiPromise } from '../polkadot.js'
import type { RpcClient } from '../rpc.js'

/** Blocks the activity window spans. */
export const WINDOW = 100

/** `crust_validatorActivity`'s answer (the node's `ValidatorActivity`), the fields shown. */
interface Activity {
  at: { number: number; hash: string }
  from: number
  finalized: number
  justified: number
  validators: Array<{ account: string; authored: number; lastAuthored: number | null; precommits: number; lastPrecommit: number | null; current: boolean }>
}

interface Row {
  account: string
  authority: boolean
  elected: boolean
  authored: number
  precommits: number
  /** ImOnline, for the session's validators: blocks authored in the session and whether its heartbeat arrived. */
  sessionAuthored?: number
  heartbeat?: boolean
}

interface View {
  activity: Activity
  session: number
  rows: Row[]
}

type Codec = { toJSON(): unknown; toString(): string }

async function readView(api: ApiPromise, rpc: RpcClient, hash: string): Promise<View> {
  const activity = await rpc.call<Activity>('crust_validatorActivity', [WINDOW, hash])
  const at = await api.at(hash)
  const [index, validators] = (await Promise.all([at.query.session!.currentIndex!(), at.query.session!.validators!()])) as unknown as [Codec, Codec[]]
  const session = Number(index.toString())
  const elected = validators.map((v) => v.toString())
  const [authored, heartbeats] = (await Promise.all([
    at.query.imOnline!.authoredBlocks!.multi(elected.map((v) => [session, v])),
    at.query.imOnline!.receivedHeartbeats!.multi(elected.map((_, i) => [session, i])),
  ])) as unknown as [Codec[], Codec[]]
  // The node and the chain may spell an account in different SS58 formats: match on its bytes.
  const key = (address: string) => api.createType('AccountId', address).toHex()
  const rows = new Map<string, Row>()
  for (const v of activity.validators)
    rows.set(key(v.account), { account: v.account, authority: v.current, elected: false, authored: v.authored, precommits: v.precommits })
  for (const [i, account] of elected.entries()) {
    const row = rows.get(key(account)) ?? { account, authority: false, elected: true, authored: 0, precommits: 0 }
    row.elected = true
    row.sessionAuthored = Number(authored[i]!.toString())
    row.heartbeat = heartbeats[i]!.toJSON() === true
    rows.set(key(account), row)
  }
  return { activity, session, rows: [...rows.values()] }
}

/** Seen at work: it authored or voted in the window, or the chain counts it online this session. */
const online = (r: Row) => r.authored > 0 || r.precommits > 0 || r.heartbeat === true || (r.sessionAuthored ?? 0) > 0

export interface ValidatorsProps {
  api: ApiPromise
  rpc: RpcClient
}

export function Validators({ api, rpc }: ValidatorsProps) {
  const [view, setView] = useState<View | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    let live = true
    // At most one read in flight; a head that arrives meanwhile replaces the waiting one.
    let waiting: string | undefined
    let reading = false
    const pump = async () => {
      if (reading) return
      reading = true
      while (waiting !== undefined && live) {
        const hash = waiting
        waiting = undefined
        await readView(api, rpc, hash).then(
          (v) => {
            if (!live) return
            setView(v)
            setError(undefined)
          },
          (err: Error) =>
            live && setError(`The validators could not be read: ${err.message}. Is the chain node up to date (it serves crust_validatorActivity)?`),
        )
      }
      reading = false
    }
    const unsub = api.rpc.chain.subscribeNewHeads((h) => {
      waiting = h.hash.toHex()
      void pump()
    })
    return () => {
      live = false
      unsub.then(
        (f) => f(),
        () => {},
      )
    }
  }, [api, rpc])
  const a = view?.activity
  return (
    <section
      aria-labelledby="validators-title"
      data-testid="validators"
      data-hash={a?.at.hash}
      data-number={a?.at.number}
      data-from={a?.from}
      data-finalized={a?.finalized}
    >
      <h2 id="validators-title">Validators</h2>
      {error !== undefined && <p class="error">{error}</p>}
      {view === undefined || a === undefined ? (
        <p class="note">Loading…</p>
      ) : (
        <>
          <p class="note">
            Blocks #{a.from}–#{a.at.number} (finalized up to #{a.finalized}; {a.justified} of them carry their finality votes), session {view.session}. Blocks
            authored are read from each block's Aura slot, finality votes from the precommits the node stores with finalized blocks. The session's elected
            validators are online for the chain once they author a block or send a heartbeat in the session.
          </p>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Validator</th>
                  <th scope="col">Role</th>
                  <th scope="col">Blocks authored (window)</th>
                  <th scope="col">Finality votes (window)</th>
                  <th scope="col">This session (ImOnline)</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {view.rows.map((r) => (
                  <tr
                    key={r.account}
                    data-testid="validator-activity"
                    data-account={r.account}
                    data-authored={r.authored}
                    data-precommits={r.precommits}
                    data-elected={String(r.elected)}
                    data-session-authored={r.sessionAuthored}
                    data-heartbeat={r.heartbeat === undefined ? undefined : String(r.heartbeat)}
                    data-online={String(online(r))}
                  >
                    <td class="mono" title={r.account}>
                      {short(r.account)}
                    </td>
                    <td>{[r.authority && 'authority (authors, votes)', r.elected && 'elected this session'].filter(Boolean).join(', ')}</td>
                    <td>{r.authored}</td>
                    <td>{r.precommits}</td>
                    <td>
                      {r.elected ? `${r.sessionAuthored} blocks, heartbeat ${r.heartbeat ? 'received' : 'not yet'}` : <span class="note">not elected</span>}
                    </td>
                    <td>
                      <span class={online(r) ? 'ok' : 'note'}>{online(r) ? 'online' : 'not seen'}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
