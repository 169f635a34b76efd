export { PinStoreError, PinStoreErrorCode } from './errors.js'
export {
  type FairOrderQuery,
  type NewPin,
  ORDER_PHASES,
  type OrderPatch,
  type OrderPhase,
  type OrderQuery,
  type OrderRecord,
  PIN_STATUSES,
  type PinLimits,
  type PinList,
  type PinQuery,
  type PinRecord,
  type PinStatusValue,
  type PinStore,
  type TenantPin,
  type TextMatch,
} from './interface.js'
export { type MigrateOptions, type Migration, MIGRATIONS, migrate, SCHEMA_VERSION } from './migrations.js'
export { EMBEDDED_DB_FILE, type EmbeddedPinStoreInit, openEmbeddedPinStore, openPostgresPinStore, type PostgresPinStoreInit } from './open.js'
export { SqlPinStore } from './sql-pin-store.js'
