export { type ReportOutcome, SworkerChainAgent, type SworkerChainAgentInit, SworkerChainError } from './chain-agent.js'
