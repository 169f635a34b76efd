/**
 * The height from which a sealed file's content tree is kept for storage proofs: one 32-byte node
 * per 2^6 segments (64 KiB of content), 512 KiB per GiB; a proof then unseals only the block or
 * two holding its 64 KiB chunk and rebuilds the levels below from it.
 */
export const PROOF_KEEP_HEIGHT = 6
