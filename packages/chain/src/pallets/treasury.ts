/**
 * `pallet_treasury` as Crust's runtime configures it (Substrate 3.0; crustio/crust runtime/src/lib.rs:449-484):
 * spending proposals with a bond (5 %, at least 10 CRU), approved or rejected by root, paid from the
 * pot every spend period (7 days), with 0.2 % of what is left burnt when every approval was paid.
 * The pot is the treasury account fees, slashes and dust are paid into (treasury-account.ts).
 */
import { CRU } from '../constants.js'
import {
  type BlockContext,
  call,
  constant,
  DispatchError,
  definePallet,
  ensureRoot,
  ensureSigned,
  errors,
  event,
  moduleError,
  type Pallet,
} from '../frame/pallet.js'
import { optionalMap, valueWithDefault } from '../frame/storage.js'
import { accountId32, compactU32, compactU128, fixedBytes, type Infer, named, newtype, struct, u32, u128, vec } from '../primitives/codec/scale-type.js'
import { permillMul } from '../primitives/perbill.js'
import { multiAddress } from '../primitives/substrate-types.js'
import { depositInto, depositIntoTreasury, freeBalance, lookupAddress, reserve, slashReserved, unreserve, withdraw } from './balances.js'
import { TREASURY_ACCOUNT, treasuryDepositEvent } from './treasury-account.js'

const PALLET = 'Treasury'
const account = named(accountId32, 'T::AccountId')
const balance = named(u128, 'BalanceOf<T, I>')
const proposalIndex = named(u32, 'ProposalIndex')
const permill = newtype(['sp_arithmetic', 'per_things', 'Permill'], u32)

// Crust's parameters (crustio/crust runtime/src/lib.rs:449-453); SpendPeriod comes from the runtime config.
/** ProposalBond: 5 % (Permill parts). */
export const PROPOSAL_BOND = 50_000n
export const PROPOSAL_BOND_MINIMUM = 10n * CRU
/** Burn: 0.2 % (`Permill::from_perthousand(2)`). */
export const BURN = 2_000n
export const TREASURY_PALLET_ID = new TextEncoder().encode('py/trsry')

export const proposal = struct(
  ['pallet_treasury', 'Proposal'],
  { proposer: named(accountId32, 'AccountId'), value: named(u128, 'Balance'), beneficiary: named(accountId32, 'AccountId'), bond: named(u128, 'Balance') },
  {
    params: (lookup) => [
      { name: 'AccountId', type: lookup.idOf(accountId32) },
      { name: 'Balance', type: lookup.idOf(u128) },
    ],
  },
)
export type Proposal = Infer<typeof proposal>

export const ProposalCount = valueWithDefault({
  pallet: PALLET,
  name: 'ProposalCount',
  value: proposalIndex,
  default: 0,
  docs: ['Number of proposals that have been made.'],
})

export const Proposals = optionalMap({
  pallet: PALLET,
  name: 'Proposals',
  hasher: 'Twox64Concat',
  key: proposalIndex,
  value: proposal,
  docs: ['Proposals that have been made.'],
})

export const Approvals = valueWithDefault({
  pallet: PALLET,
  name: 'Approvals',
  value: named(vec(u32), 'Vec<ProposalIndex>'),
  default: [],
  docs: ['Proposal indices that have been approved but not yet awarded.'],
})

export const events = {
  Proposed: event(0, { proposal_index: proposalIndex }, 'New proposal.'),
  Spending: event(1, { budget_remaining: balance }, 'We have ended a spend period and will now allocate funds.'),
  Awarded: event(2, { proposal_index: proposalIndex, award: balance, account }, 'Some funds have been allocated.'),
  Rejected: event(3, { proposal_index: proposalIndex, slashed: balance }, 'A proposal was rejected; funds were slashed.'),
  Burnt: event(4, { burnt_funds: balance }, 'Some of our funds have been burnt.'),
  Rollover: event(5, { rollover_balance: balance }, 'Spending has finished; this is the amount that rolls over until next spend.'),
  Deposit: treasuryDepositEvent,
}

export const treasuryErrors = errors({
  InsufficientProposersBalance: [0, "Proposer's balance is too low."],
  InvalidIndex: [1, 'No proposal or bounty at that index.'],
})

/** `calculate_bond`: ProposalBond × value, at least ProposalBondMinimum (Substrate 3.0 has no maximum). */
export function proposalBond(value: bigint): bigint {
  const bond = permillMul(PROPOSAL_BOND, value)
  return bond > PROPOSAL_BOND_MINIMUM ? bond : PROPOSAL_BOND_MINIMUM
}

/** `pot`: what the treasury can spend, its free balance above the existential deposit. */
export function pot(ctx: Pick<BlockContext, 'state' | 'config'>): bigint {
  const free = freeBalance(ctx.state, TREASURY_ACCOUNT)
  return free > ctx.config.existentialDeposit ? free - ctx.config.existentialDeposit : 0n
}

/**
 * `spend_funds`: pays approved proposals in approval order while the budget lasts (an unpaid one
 * waits for the next period), returns their bonds, burns Burn × the rest when nothing was left
 * unpaid, and takes what was paid and burnt out of the pot.
 */
export function spendFunds(ctx: BlockContext): void {
  let budget = pot(ctx)
  ctx.deposit(events.Spending, { budget_remaining: budget })
  let missedAny = false
  let paid = 0n
  const waiting: number[] = []
  for (const index of Approvals.get(ctx.state)) {
    const p = Proposals.get(ctx.state, index)
    if (p === undefined) continue
    if (p.value > budget) {
      missedAny = true
      waiting.push(index)
      continue
    }
    budget -= p.value
    Proposals.remove(ctx.state, index)
    unreserve(ctx, p.proposer, p.bond)
    // `deposit_creating`: a new beneficiary below the existential deposit receives nothing, and the pot keeps it.
    if (depositInto(ctx, p.beneficiary, p.value)) paid += p.value
    ctx.deposit(events.Awarded, { proposal_index: index, award: p.value, account: p.beneficiary })
  }
  Approvals.put(ctx.state, waiting)
  let burnt = 0n
  if (!missedAny) {
    const burn = permillMul(BURN, budget)
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
    burnt = burn < budget ? burn : budget
    budget -= burnt
    ctx.deposit(events.Burnt, { burnt_funds: burnt })
  }
  // The budget is the free balance above the existential deposit, so the pot stays alive.
  withdraw(ctx, TREASURY_ACCOUNT, paid + burnt, true)
  ctx.deposit(events.Rollover, { rollover_balance: budget })
}

// Crust's benchmarked weights (runtime/src/weights/pallet_treasury.rs; read 25·10^6, write 10^8).
const PROPOSE_SPEND_WEIGHT = 55_957_000n + 25_000_000n + 2n * 100_000_000n
const REJECT_PROPOSAL_WEIGHT = 45_616_000n + 2n * 25_000_000n + 2n * 100_000_000n
const APPROVE_PROPOSAL_WEIGHT = 13_362_000n + 2n * 25_000_000n + 100_000_000n

export function treasuryPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_treasury',
    storage: [ProposalCount, Proposals, Approvals],
    calls: {
      propose_spend: call({
        index: 0,
        args: { value: named(compactU128, 'BalanceOf<T, I>'), beneficiary: multiAddress },
        weight: PROPOSE_SPEND_WEIGHT,
        docs: ['Put forward a suggestion for spending; a bond proportional to the value is reserved, slashed if the proposal is rejected.'],
        dispatch: (ctx, origin, args) => {
          const proposer = ensureSigned(origin)
          const beneficiary = lookupAddress(args.beneficiary)
          const bond = proposalBond(args.value)
          try {
            reserve(ctx, proposer, bond)
          } catch (err) {
            if (err instanceof DispatchError) throw moduleError(treasuryErrors.InsufficientProposersBalance)
            throw err
          }
          const id = ProposalCount.get(ctx.state)
          ProposalCount.put(ctx.state, id + 1)
          Proposals.insert(ctx.state, id, { proposer, value: args.value, beneficiary, bond })
          ctx.deposit(events.Proposed, { proposal_index: id })
        },
      }),
      reject_proposal: call({
        index: 1,
        args: { proposal_id: named(compactU32, 'ProposalIndex') },
        weight: REJECT_PROPOSAL_WEIGHT,
        docs: ['Reject a proposed spend (root); the bond is slashed to the treasury.'],
        dispatch: (ctx, origin, { proposal_id }) => {
          ensureRoot(origin)
          const p = Proposals.get(ctx.state, proposal_id)
          if (p === undefined) throw moduleError(treasuryErrors.InvalidIndex)
          Proposals.remove(ctx.state, proposal_id)
          // Crust's `OnSlash = Treasury`: the slashed bond goes to the pot.
          depositIntoTreasury(ctx, slashReserved(ctx, p.proposer, p.bond))
          ctx.deposit(events.Rejected, { proposal_index: proposal_id, slashed: p.bond })
        },
      }),
      approve_proposal: call({
        index: 2,
        args: { proposal_id: named(compactU32, 'ProposalIndex') },
        weight: APPROVE_PROPOSAL_WEIGHT,
        docs: ['Approve a proposal (root); it is paid at the next spend period with funds in the pot, and the bond returned.'],
        dispatch: (ctx, origin, { proposal_id }) => {
          ensureRoot(origin)
          if (!Proposals.contains(ctx.state, proposal_id)) throw moduleError(treasuryErrors.InvalidIndex)
          // Substrate 3.0 appends without a bound or a duplicate check; spending skips indices already paid.
          Approvals.put(ctx.state, [...Approvals.get(ctx.state), proposal_id])
        },
      }),
    },
    events,
    errors: treasuryErrors,
    constants: {
      ProposalBond: constant(permill, () => Number(PROPOSAL_BOND), "Fraction of a proposal's value that should be bonded in order to place the proposal."),
      ProposalBondMinimum: constant(balance, () => PROPOSAL_BOND_MINIMUM, 'Minimum amount of funds that should be placed in a deposit for making a proposal.'),
      SpendPeriod: constant(named(u32, 'T::BlockNumber'), (c) => c.spendPeriod, 'Period between successive spends.'),
      Burn: constant(permill, () => Number(BURN), 'Percentage of spare funds (if any) that are burnt per spend period.'),
      ModuleId: constant(
        newtype(['sp_runtime', 'ModuleId'], fixedBytes(8)),
        () => TREASURY_PALLET_ID,
        "The treasury's module id, used for deriving its sovereign account ID.",
      ),
    },
    onInitialize: (ctx) => {
      if (ctx.blockNumber % ctx.config.spendPeriod === 0) spendFunds(ctx)
    },
  })
}
