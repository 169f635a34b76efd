/**
 * @packageDocumentation
 *
 * The crust-ts IPFS node: Helia on a libp2p host, with a Kubo-compatible HTTP API and a gateway.
 */
export type { IpfsNode, PeerRetrievalScore, RepoStat, RetrievalScores } from './interface.js'
