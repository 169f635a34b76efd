export { type ChallengeStats, Challenges } from './challenges.js'
export { EMPTY_PROOF } from './constants.js'
