export { IntegrityChecker, type IntegrityCheckerComponents, type IntegrityCheckResult } from './integrity-checker.js'
