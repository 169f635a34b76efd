/** Kubo's words and numbers that its clients depend on. */

/** `pin/rm` of a CID that is not pinned fails with this message: Kubo's wording is its protocol. */
export const KUBO_NOT_PINNED = 'not pinned or pinned indirectly'
