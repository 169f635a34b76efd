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
/**
 * How many block numbers one justifications request scans, at most (two database reads each): a
 * request costs the server at most this, whatever it returns. A requester that gets nothing from a
 * window asks again from the next one, up to the peer's finalized block.
 */
export const MAX_JUSTIFICATION_SCAN = 4096

/** Most key/value pairs one `state` response carries. */
export const MAX_STATE_PAIRS_PER_RESPONSE = 4096
/** A `state` response stops after this many bytes of keys and values (at least one pair is sent); the rest is asked for again. */
export const MAX_STATE_RESPONSE_BYTES = 4 * 1024 * 1024
/** Longest state key a `state` request or response may carry (the runtime's keys are under 200 bytes). */
export const MAX_STATE_KEY_BYTES = 1024
/**
 * Most bytes one state download takes before its root is checked (keys, values and
 * {@link STATE_PAIR_OVERHEAD_BYTES} per pair): a peer serving an endless state is abandoned there.
 * The state's trie goes to a temporary file as it arrives, so this bounds disk, not memory: well
 * above mainnet's state (a 1-million-file state is about 1.3 GB by this count, 10 million about 13).
 */
export const DEFAULT_MAX_STATE_SYNC_BYTES = 64 * 1024 * 1024 * 1024
/**
 * Slowest transfer a working peer is granted for a `state` response: the request's time limit is
 * {@link REQUEST_TIMEOUT_MS} (the peer's lookup and the round trip) plus the response's byte budget at
 * this rate ({@link stateRequestTimeoutMs}), so a slow, loaded peer still completes a full 4 MiB chunk.
 */
export const MIN_STATE_TRANSFER_BYTES_PER_SECOND = 128 * 1024
/** Attempts at one state chunk with one peer before the download turns to the next peer (from the same key). */
export const STATE_REQUEST_ATTEMPTS = 3
/** Wait before a state chunk's first retry; doubled at each further one (a loaded peer gets time to recover). */
export const STATE_RETRY_BACKOFF_MS = 1000
/** A state download logs its progress (pairs, bytes, requests so far) this often. */
export const STATE_PROGRESS_INTERVAL_MS = 5000
/**
 * State sync runs only when a peer's finalized block is at least this many blocks above this fresh
 * node's genesis (a shorter chain is quicker to execute than to prove and download).
 */
export const DEFAULT_STATE_SYNC_MIN_LEAD = 64
/** What one held pair costs beyond its bytes, as a state download counts it (object and array overhead). */
export const STATE_PAIR_OVERHEAD_BYTES = 64

/** Most trie nodes one `authorities` response (an authority proof) carries. */
export const MAX_AUTHORITY_PROOF_NODES = 65_536
/** Most bytes of one `authorities` response. */
export const MAX_AUTHORITY_PROOF_BYTES = 16 * 1024 * 1024

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
/** How many ancestors are fetched, at most, to connect a block to the chain (deeper gaps are left to headers-first sync). */
export const MAX_ANCESTOR_FETCH = 512
/** Bytes of unverified blocks one ancestor fetch buffers, at most (deeper gaps are left to headers-first sync). */
export const MAX_ANCESTOR_FETCH_BYTES = 16 * 1024 * 1024
/** Gossiped blocks with an unknown parent held while their ancestors are fetched, at most (count and bytes); more are dropped. */
export const MAX_ORPHANS = 64
/** See {@link MAX_ORPHANS}. */
export const MAX_ORPHAN_BYTES = 16 * 1024 * 1024
/** Ancestor fetches for orphans running at once, at most (one per unknown parent); more orphans are dropped. */
export const MAX_ORPHAN_FETCHES = 4
/** Ancestor fetches for one peer's orphans running at once, at most. */
export const MAX_ORPHAN_FETCHES_PER_PEER = 2
/** An orphan numbered more than this above the best block is not fetched by ancestors: headers-first sync catches up instead. */
export const MAX_ORPHAN_LEAD = 16
/**
 * Authoring pauses only while headers that peers served and that passed the header checks are more
 * than this many blocks above the best block (never on a peer's claimed best).
 */
export const MAX_AUTHORING_LAG = 2
/** A sync request not answered (to its end) within this long is abandoned, and its peer penalised a little. */
export const REQUEST_TIMEOUT_MS = 30_000
/** A served peer must send its request within this long (the stream is aborted otherwise). */
export const REQUEST_READ_TIMEOUT_MS = 10_000
/** Largest `status` answer. */
export const MAX_STATUS_BYTES = 4096
/** Largest header in a `headers` answer. */
export const MAX_HEADER_BYTES = 64 * 1024
/** Largest justification in a `justifications` answer. */
export const MAX_JUSTIFICATION_BYTES = 1024 * 1024
/**
 * Most bytes of one sync response (bodies, blocks, justifications): the server's budget
 * ({@link MAX_BODIES_RESPONSE_BYTES}) plus the one message that may cross it. A response beyond is aborted and its peer penalised.
 */
export const MAX_RESPONSE_BYTES = MAX_BODIES_RESPONSE_BYTES + MAX_MESSAGE_BYTES

/**
 * Peer scoring: each misbehaviour adds its penalty to the peer's score, which decays by
 * {@link SCORE_DECAY_PER_SECOND}; at {@link BAN_SCORE} the peer is banned for {@link BAN_MS}. Certainly
 * invalid data (a block, vote or justification that fails its checks) costs a ban at once; claims
 * that do not match what the peer serves cost a share, so an honest peer that raced a reorg once is
 * forgiven and a liar is banned after a few rounds.
 */
export const BAN_SCORE = 100
/** Score a peer loses per second. */
export const SCORE_DECAY_PER_SECOND = 0.5
/** Peers whose score is tracked, at most (the least recently penalised are forgotten first). */
export const MAX_SCORED_PEERS = 4096
/** What each misbehaviour costs (see {@link BAN_SCORE}). */
export const Penalty = {
  /** An invalid block, vote, justification or header; blocks other than those asked for. */
  INVALID: BAN_SCORE,
  /** A response beyond its frame or byte bounds, or a request the server cannot parse. */
  PROTOCOL: 50,
  /** A peer claimed blocks (status, headers, gossip) it then does not serve. */
  FALSE_CLAIM: 25,
  /** A pushed transaction whose signature is certainly bad (immortal, or born at a finalized block). */
  BAD_TRANSACTION: 25,
  /** A sync request not answered in time. */
  TIMEOUT: 10,
} as const
/**
 * The gossipsub application score of a peer the chain's gate refuses (banned or denied): times
 * gossipsub's application weight (10) it is far below the graylist threshold (-80), so gossipsub
 * ignores the peer's messages before decoding them.
 */
export const GOSSIP_REFUSED_SCORE = -1000
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
/** A push with more transactions whose bad signature may be a fork's (mortal, born above the finalized block) is cut off. */
export const MAX_UNCERTAIN_BAD_SIGNATURES_PER_PUSH = 16
/** Largest transaction a push may carry. */
export const MAX_TX_BYTES = 5 * 1024 * 1024
/** A push that takes longer is abandoned (its transactions are offered again later). */
export const PUSH_TIMEOUT_MS = 10_000
/** After a failed push (peer gone, or not speaking the protocol) the peer gets no pushes for this long. */
export const FAILED_PUSH_PAUSE_MS = 10_000
