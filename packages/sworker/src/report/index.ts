export { REPORT_FILES_LIMIT } from './constants.js'
export { ReportError, ReportErrorCode } from './errors.js'
export {
  type BuildWorkReportParameters,
  type BuildWorkReportReturnType,
  type ChainFilesState,
  type WorkReport,
  WorkReporter,
  type WorkReporterComponents,
} from './work-reporter.js'
