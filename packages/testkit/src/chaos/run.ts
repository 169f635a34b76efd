/**
 * A chaos run (first step: chain faults and transfers): `crust testnet` with latency and loss, a
 * seeded schedule of kills, restarts, cuts and heals, a client sending transfers throughout, and
 * the invariants checked from the client's side, continuously and at the end: no finalized block
 * is reverted, all nodes agree on finalized blocks, every transfer acknowledged as finalized is in
 * the chain, and finality resumes once the faults stop. Ends with one line per invariant.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { startTestnet, type TestnetProcess } from '../testnet-process.js'
import { FinalityWatch } from './finality-watch.js'
import { chaosSchedule, type ScheduledFault } from './schedule.js'

export interface ChaosOptions {
  minutes: number
  seed: number
  validators: number
  storageNodes: number
  latencyMs: number
  jitterMs: number
  lossPercent: number
  /** Where each line of the run's story goes. */
  print: (line: string) => void
}

export interface InvariantResult {
  name: string
  held: boolean
  detail: string
}

const POLL_MS = 1000
const TRANSFER_TIMEOUT_MS = 60_000
const RECOVERY_TIMEOUT_MS = 180_000
const TRANSFER_RETRY_PAUSE_MS = 2000

interface Acknowledged {
  blockHash: string
  txHash: string
}

/** One JSON-RPC call over HTTP (the chain RPC answers HTTP on its WebSocket port). */
async function rpc<T>(ws: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(ws.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(3000),
  })
  const body = (await res.json()) as { result?: T; error?: { message: string } }
  if (body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? 'no result'}`)
  return body.result
}

async function finalizedHead(ws: string): Promise<{ number: number; hash: string }> {
  const hash = await rpc<string>(ws, 'chain_getFinalizedHead')
  const header = await rpc<{ number: string }>(ws, 'chain_getHeader', [hash])
  return { number: Number.parseInt(header.number, 16), hash }
}

export async function runChaos(opts: ChaosOptions): Promise<InvariantResult[]> {
  await cryptoWaitReady()
  const { print } = opts
  print(`chaos: seed ${opts.seed} (replay with --seed ${opts.seed}), ${opts.minutes} min`)
  const base = mkdtempSync(join(tmpdir(), 'crust-chaos-'))
  let net: TestnetProcess | undefined
  let api: ApiPromise | undefined
  const stop = new AbortController()
  try {
    net = await startTestnet(join(base, 'net'), [
      '--validators',
      String(opts.validators),
      '--storage-nodes',
      String(opts.storageNodes),
      '--no-gateway',
      '--latency',
      String(opts.latencyMs),
      '--jitter',
      String(opts.jitterMs),
      '--loss',
      String(opts.lossPercent),
      '--seed',
      String(opts.seed),
    ])
    const testnet = net
    const validators = net.info.validators.map((v) => ({ name: v.name, rpc: v.rpc }))
    const nodes = [...validators, ...net.info.storageNodes.map((n) => ({ name: n.name, rpc: n.chainRpc }))]
    print(`chaos: testnet ready (${validators.length} validators, ${opts.storageNodes} storage nodes, faults by ${net.info.faults.by})`)
    const durationMs = opts.minutes * 60_000
    const schedule = chaosSchedule({
      seed: opts.seed,
      durationMs,
      validators: validators.map((v) => v.name),
      others: net.info.storageNodes.map((n) => n.name),
      meanGapMs: 15_000,
      minFaultMs: 5_000,
      maxFaultMs: Math.min(30_000, durationMs / 4),
      maxValidatorsDown: Math.floor((validators.length - 1) / 3),
    })

    // The finality watch, fed from every node's finalized head once a second.
    const watch = new FinalityWatch()
    const poll = (async () => {
      while (!stop.signal.aborted) {
        await Promise.all(
          nodes.map(async (n) => {
            try {
              const head = await finalizedHead(n.rpc)
              watch.observe(n.name, head.number, head.hash, true)
            } catch {
              // A killed or cut node does not answer: not an invariant of its own.
            }
          }),
        )
        await new Promise((r) => setTimeout(r, POLL_MS))
      }
    })()

    // The client: transfers one after the other through any validator that answers.
    const provider = new WsProvider(validators.map((v) => v.rpc)) as unknown as ApiOptions['provider']
    api = await ApiPromise.create({ provider, noInitWarn: true } as ApiOptions)
    const chain = api
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const alice = keyring.addFromUri('//Alice')
    const bob = keyring.addFromUri('//Bob')
    const acknowledged: Acknowledged[] = []
    let sent = 0
    const transfers = (async () => {
      while (!stop.signal.aborted) {
        sent++
        try {
          acknowledged.push(await finalizedTransfer(chain.tx.balances.transferKeepAlive(bob.address, 1_000_000_000n + BigInt(sent)), alice))
        } catch {
          // Not acknowledged (a fault got in the way): nothing is promised about it. A pause, so a
          // refused submission (a validator cut off with the previous one in its pool) is not
          // retried in a tight loop.
          await new Promise((r) => setTimeout(r, TRANSFER_RETRY_PAUSE_MS))
        }
      }
    })()

    // The faults, at their times.
    const started = Date.now()
    const faults = async (f: ScheduledFault) => {
      await new Promise((r) => setTimeout(r, Math.max(0, started + f.atMs - Date.now())))
      const path = { kill: '/kill', restart: '/restart', cut: '/cut', heal: '/heal' }[f.kind]
      try {
        await testnet.control(path, { name: f.target })
        print(`chaos: +${((Date.now() - started) / 1000).toFixed(0)} s ${f.kind} ${f.target}`)
      } catch (err) {
        print(`chaos: +${((Date.now() - started) / 1000).toFixed(0)} s ${f.kind} ${f.target} failed: ${(err as Error).message}`)
      }
    }
    for (const f of schedule) await faults(f)
    await new Promise((r) => setTimeout(r, Math.max(0, started + durationMs - Date.now())))
    print(`chaos: ${schedule.length / 2} faults injected and repaired; checking`)

    // Once faults stop, finality must resume everywhere: every node past the best finalized block now.
    const target = Math.max(-1, ...(await Promise.all(validators.map((v) => finalizedHead(v.rpc).catch(() => ({ number: -1 }))))).map((h) => h.number)) + 2
    const recovered = await waitUntil(async () => {
      const heads = await Promise.all(nodes.map((n) => finalizedHead(n.rpc).catch(() => ({ number: -1 }))))
      return heads.every((h) => h.number >= target)
    }, RECOVERY_TIMEOUT_MS)
    stop.abort()
    await Promise.all([poll, transfers])

    // At the end: every height every node finalized, compared across nodes.
    const common = watch.commonHeight()
    for (const n of nodes) {
      for (let h = 1; h <= common; h++) {
        try {
          watch.observe(n.name, h, await rpc<string>(n.rpc, 'chain_getBlockHash', [h]), false)
        } catch {}
      }
    }
    // Read from the validator furthest in finality (one that did not recover would report blocks missing).
    const heads = await Promise.all(validators.map(async (v) => ({ v, head: await finalizedHead(v.rpc).catch(() => ({ number: -1 })) })))
    const reader = heads.reduce((a, b) => (b.head.number > a.head.number ? b : a)).v.rpc
    const missing: string[] = []
    for (const a of acknowledged) {
      const block = await rpc<{ block: { header: { number: string }; extrinsics: string[] } }>(reader, 'chain_getBlock', [a.blockHash]).catch(() => undefined)
      const number = block === undefined ? -1 : Number.parseInt(block.block.header.number, 16)
      const canonical = number < 0 ? undefined : await rpc<string>(reader, 'chain_getBlockHash', [number])
      const included = block?.block.extrinsics.some((x) => chain.createType('Extrinsic', x).hash.toHex() === a.txHash) ?? false
      if (canonical !== a.blockHash) missing.push(`block ${a.blockHash} (of ${a.txHash}) not in the chain`)
      else if (!included) missing.push(`${a.txHash} not in its block ${a.blockHash}`)
    }
    const broken = (name: string) => watch.violations.filter((v) => v.invariant === name)
    const detail = (name: string) =>
      broken(name)
        .slice(0, 3)
        .map((v) => v.detail)
        .join('; ')
    return [
      {
        name: 'no finalized block reverted',
        held: broken('no finalized block reverted').length === 0,
        detail: broken('no finalized block reverted').length === 0 ? `finalized heads of ${nodes.length} nodes polled` : detail('no finalized block reverted'),
      },
      {
        name: 'all nodes agree on finalized blocks',
        held: broken('all nodes agree on finalized blocks').length === 0,
        detail:
          broken('all nodes agree on finalized blocks').length === 0
            ? `#1 to #${common} on ${nodes.length} nodes`
            : detail('all nodes agree on finalized blocks'),
      },
      {
        name: 'every acknowledged finalized transfer is in the chain',
        held: missing.length === 0,
        detail:
          missing.length === 0 ? `${acknowledged.length} of ${sent} transfers acknowledged, all in the chain` : `missing: ${missing.slice(0, 3).join(', ')}`,
      },
      {
        name: 'finality resumes once faults stop',
        held: recovered,
        detail: recovered ? `every node finalized #${target}` : `not every node finalized #${target} within ${RECOVERY_TIMEOUT_MS / 1000} s`,
      },
    ]
  } finally {
    stop.abort()
    await api?.disconnect().catch(() => {})
    await net?.stop()
    rmSync(base, { recursive: true, force: true })
  }
}

/** Sends `tx` and resolves once its block is finalized (with the block and the transaction's hash); rejects on a dispatch error or after a timeout. */
function finalizedTransfer(
  tx: ReturnType<ApiPromise['tx']['balances']['transferKeepAlive']>,
  signer: ReturnType<Keyring['addFromUri']>,
): Promise<Acknowledged> {
  return new Promise<Acknowledged>((resolve, reject) => {
    let unsubscribe: (() => void) | undefined
    const timer = setTimeout(() => {
      unsubscribe?.()
      reject(new Error('not finalized in time'))
    }, TRANSFER_TIMEOUT_MS)
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      if (result.dispatchError !== undefined || result.isError) {
        clearTimeout(timer)
        unsubscribe?.()
        reject(new Error('transfer failed'))
      } else if (result.status.isFinalized) {
        clearTimeout(timer)
        unsubscribe?.()
        resolve({ blockHash: result.status.asFinalized.toHex(), txHash: result.txHash.toHex() })
      }
    }).then(
      (u) => {
        unsubscribe = u
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err as Error)
      },
    )
  })
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  return false
}
