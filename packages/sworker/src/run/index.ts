export {
  defaultRunSworkerOptions,
  INTEGRITY_CHECK_SAMPLE_BLOCKS,
  resolveRunSworkerConfig,
  type RunSworkerConfig,
  type RunSworkerInit,
  SWORKER_SS58_FORMAT,
} from './options.js'
export { type RunningSworker, runSworker } from './run.js'
