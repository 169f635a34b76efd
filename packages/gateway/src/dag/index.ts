export { DagFetchError, DagFetchErrorCode, PERMANENT_DAG_ERRORS } from './errors.js'
export { blockLinks, DEFAULT_DAG_FETCH_CONCURRENCY, DEFAULT_DAG_MAX_BLOCKS, type DagSize, type FetchDagOptions, fetchDag } from './walk.js'
