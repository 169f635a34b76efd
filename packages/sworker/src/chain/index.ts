export { type ReportOutcome, SworkerChainAgent, type SworkerChainAgentInit } from './chain-agent.js'
export { SworkerChainError } from './submit.js'
