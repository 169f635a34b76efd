/** `identity`: Substrate's pallet_identity with Crust's deposits. See pallet.ts and types.ts. */
export {
  BASIC_DEPOSIT,
  events as identityEvents,
  FIELD_DEPOSIT,
  IdentityOf,
  identityErrors,
  identityPallet,
  MAX_ADDITIONAL_FIELDS,
  MAX_REGISTRARS,
  MAX_SUB_ACCOUNTS,
  Registrars,
  SUB_ACCOUNT_DEPOSIT,
  SubsOf,
  SuperOf,
  totalDeposit,
} from './pallet.js'
export { data, IDENTITY_FIELDS, type IdentityData, type IdentityInfo, infoWithDisplay, type Judgement, rawData, type Registration } from './types.js'
