/** Protocol names, topics and limits of the chain's p2p layer. */

/** The request/response protocol for headers + bodies: `/crust-ts/<genesis hash hex>/sync/1`. */
export const syncProtocol = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/sync/1`
/** Gossip topic of new blocks. */
export const blocksTopic = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/blocks/1`
/** Gossip topic of transactions. */
export const transactionsTopic = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/transactions/1`

/** Gossip topic of finality votes (prevotes and precommits). */
export const votesTopic = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/votes/1`

/** Most justifications one sync response carries. */
export const MAX_JUSTIFICATIONS_PER_RESPONSE = 64
/** How many block numbers one justifications request scans, at most. */
export const MAX_JUSTIFICATION_SCAN = 100_000

/** Most blocks one sync response carries. */
export const MAX_BLOCKS_PER_RESPONSE = 128
/** Largest sync message (a block of a few MB plus framing). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024
/** How often the node compares its best block with its peers' and catches up. */
export const SYNC_INTERVAL_MS = 3000
/** How long a peer that sent an invalid block stays banned. */
export const BAN_MS = 10 * 60 * 1000
/** How many ancestors are fetched, at most, to connect a gossiped block to the chain. */
export const MAX_ANCESTOR_FETCH = 4096
/** The libp2p service name of the chain's gossipsub on a shared host. */
export const GOSSIP_SERVICE = 'chainGossip'
