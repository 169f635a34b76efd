/**
 * Era transition of the staking pallet at scale: 1,000 validator candidates with stake limits and
 * 10,000 guarantors backing 16 of them each; times the election (capped exposures, top-N,
 * ErasStakers) and the end-of-era reward bookkeeping against one block's normal budget (1.5 s).
 */
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { BlockExecutor, buildGenesisState, builtinSpec, defaultRuntimeConfig, OverlayState, Runtime, staking } from '@crust-ts/chain'

export interface EraBenchResult {
  candidates: number
  guarantors: number
  electionMs: number
  endEraMs: number
  elected: number
}

export async function runEraBench(options: { candidates?: number; guarantors?: number; validatorCount?: number } = {}): Promise<EraBenchResult> {
  await cryptoWaitReady()
  const candidates = options.candidates ?? 1000
  const guarantors = options.guarantors ?? 10_000
  const spec = builtinSpec('dev')!
  const runtime = new Runtime({ ...defaultRuntimeConfig, ...spec.runtime, blockTimeMs: 1000 })
  const state = new OverlayState(() => undefined)
  buildGenesisState(spec, runtime.config, state)
  const exec = new BlockExecutor(runtime, state, { number: 1, parentHash: new Uint8Array(32), author: new Uint8Array(32), timestamp: 1000n })
  exec.initialize()
  const root = { kind: 'root' } as const
  // Deterministic ids are enough: no signatures are involved in an era transition.
  const id = (i: number) => {
    const out = new Uint8Array(32)
    new DataView(out.buffer).setUint32(0, i + 1)
    return out
  }
  const call = (pallet: string, name: string, args: Record<string, unknown>, origin: Parameters<typeof exec.applyCall>[1]) => {
    const err = exec.applyCall({ tag: pallet, value: { tag: name, value: args } }, origin)
    if (err !== undefined) throw new Error(`${pallet}.${name} failed: ${JSON.stringify(err, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
  }
  const CRU = 10n ** 12n
  const fund = (who: Uint8Array) => call('Balances', 'force_set_balance', { who: { tag: 'Id', value: who }, new_free: 1_000_000n * CRU }, root)
  for (let i = 0; i < candidates; i++) {
    const stash = id(i)
    fund(stash)
    call('Staking', 'bond', { controller: { tag: 'Id', value: stash }, value: 10_000n * CRU }, { kind: 'signed', who: stash })
    call('Staking', 'validate', { prefs: { guarantee_fee: 100_000_000 } }, { kind: 'signed', who: stash })
    staking.StakeLimit.insert(state, stash, BigInt(5_000 + (i % 100) * 100) * CRU)
  }
  for (let g = 0; g < guarantors; g++) {
    const who = id(candidates + g)
    fund(who)
    call('Staking', 'bond', { controller: { tag: 'Id', value: who }, value: 1_600n * CRU }, { kind: 'signed', who })
    for (let t = 0; t < 16; t++) {
      const target = id((g * 16 + t) % candidates)
      call('Staking', 'guarantee', { target_tuple: [{ tag: 'Id', value: target }, 100n * CRU] }, { kind: 'signed', who })
    }
  }
  call('Staking', 'set_validator_count', { new: options.validatorCount ?? 100 }, root)
  const t0 = performance.now()
  const elected = staking.selectAndUpdateValidators(state, 1) ?? []
  const electionMs = performance.now() - t0
  const t1 = performance.now()
  staking.endEra({ state, config: runtime.config, deposit: () => {} }, 1)
  const endEraMs = performance.now() - t1
  return { candidates, guarantors, electionMs, endEraMs, elected: elected.length }
}
