export { BLOCK_FILES_DIR, BlockFiles } from './block-files.js'
export { Bucket, bucketName } from './buckets.js'
export { SealedStoreError, SealedStoreErrorCode } from './errors.js'
export { type BytesDb, SEALED_STORE_VERSION, SealedStore } from './sealed-store.js'
