/** The genesis state a chain spec describes. */
import { endowAtGenesis } from '../pallets/balances.js'
import { buildMarketGenesis } from '../pallets/market/index.js'
import { buildChallengesGenesis } from '../pallets/challenges/index.js'
import { imOnlineNewSession } from '../pallets/im-online/index.js'
import { buildSessionKeysGenesis, buildStakingGenesis, sessionTiming, uniformKeys } from '../pallets/staking/index.js'
import { buildSworkGenesis } from '../pallets/swork/index.js'
import { Key as SudoKey } from '../pallets/sudo.js'
import { TREASURY_ACCOUNT } from '../pallets/transaction-payment.js'
import type { RuntimeConfig } from '../runtime/config.js'
import type { StorageAccess } from '../frame/storage.js'
import { accountIdOf, type ChainSpec } from './chain-spec.js'

export function buildGenesisState(spec: ChainSpec, config: RuntimeConfig, state: StorageAccess): void {
  for (const [address, amount] of spec.genesis.balances) endowAtGenesis(state, accountIdOf(address), BigInt(amount))
  // The treasury exists from genesis, so that small fee shares are never lost to the existential deposit.
  endowAtGenesis(state, TREASURY_ACCOUNT, config.existentialDeposit)
  if (spec.genesis.sudoKey !== null) SudoKey.put(state, accountIdOf(spec.genesis.sudoKey))
  buildMarketGenesis(state, spec.genesis.market ?? { enabled: false }, config.existentialDeposit)
  if (spec.genesis.swork !== undefined) buildSworkGenesis(state, spec.genesis.swork)
  buildChallengesGenesis(state, spec.genesis.challenges ?? { enabled: false })
  // The spec's authorities are the invulnerable genesis validators until an election has candidates with proven storage.
  const validators = spec.genesis.authorities.map(accountIdOf)
  buildStakingGenesis(state, validators, undefined, spec.genesis.staking?.startRewardEra)
  // Their account keys are their genesis session keys (every role), so the dev keys author and vote.
  buildSessionKeysGenesis(
    state,
    validators.map((id) => ({ id, keys: uniformKeys(id) })),
  )
  imOnlineNewSession(state, sessionTiming(config).sessionLength)
}
