/** Protocol names, topics and limits of the chain's p2p layer. */

/** The request/response protocol for headers + bodies: `/crust-ts/<genesis hash hex>/sync/1`. */
export const syncProtocol = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/sync/1`
/** Gossip topic of new blocks. */
export const blocksTopic = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/blocks/1`
/** The stream protocol that pushes pool transactions to a peer: `/crust-ts/<genesis hash hex>/transactions/1`. */
export const transactionsProtocol = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/transactions/1`

/** Gossip topic of finality votes (prevotes and precommits). */
export const votesTopic = (genesisHex: string): string => `/crust-ts/${genesisHex.replace(/^0x/, '')}/votes/1`

/** Most justifications one sync response carries. */
export const MAX_JUSTIFICATIONS_PER_RESPONSE = 64
/** How many block numbers one justifications request scans, at most. */
export const MAX_JUSTIFICATION_SCAN = 100_000

/** Most blocks one sync response carries. */
export const MAX_BLOCKS_PER_RESPONSE = 128
/** Most headers one `headers` response carries. */
export const MAX_HEADERS_PER_RESPONSE = 512
/** Most block hashes one `bodies` request may name (a request naming more is refused). */
export const MAX_BODIES_PER_REQUEST = 64
/** A `bodies` response stops after this many bytes of bodies (at least one body is sent); the rest is asked for again. */
export const MAX_BODIES_RESPONSE_BYTES = 32 * 1024 * 1024
/** Largest sync request (a `bodies` request of {@link MAX_BODIES_PER_REQUEST} hashes fits). */
export const MAX_REQUEST_BYTES = 16 * 1024
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
/** The libp2p service name under which the chain's peer gate (PeerGate) sits on its host. */
export const GATE_SERVICE = 'chainGate'

/** How often a node offers its whole pool to each peer (minus what the peer is known to hold). */
export const PROPAGATE_INTERVAL_MS = 1000
/** When a peer refused a transaction for now (pool full, nonce gap too long), it is offered again after this long. */
export const RETRY_AFTER_MS = 1000
/** How long a peer counts as holding a transaction it sent or accepted: not offered again meanwhile (after that, again: it may have dropped it). */
export const KNOWN_TX_TTL_MS = 30_000
/** Transaction hashes remembered per peer (the oldest are forgotten first). */
export const MAX_KNOWN_TXS_PER_PEER = 16_384
/** Most transactions one push carries. */
export const MAX_TXS_PER_PUSH = 1024
/** Largest transaction a push may carry. */
export const MAX_TX_BYTES = 5 * 1024 * 1024
/** A push that takes longer is abandoned (its transactions are offered again later). */
export const PUSH_TIMEOUT_MS = 10_000
/** After a failed push (peer gone, or not speaking the protocol) the peer gets no pushes for this long. */
export const FAILED_PUSH_PAUSE_MS = 10_000
