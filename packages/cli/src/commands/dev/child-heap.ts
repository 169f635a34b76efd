/**
 * The V8 flags the network's child processes (validators, storage nodes, gateway, EVM and order
 * nodes) run with. V8 lets the young generation grow to 32 MiB per semi-space on a machine with
 * this much memory and keeps those pages once they are touched: an idle storage node measured
 * ~100 MiB more RSS with the default than with 8 MiB semi-spaces, for the same used heap and no
 * measurable loss of block throughput (bench/idle-memory.ts prints the figures). The flag must be
 * given at start: `v8.setFlagsFromString` after the heap exists changes nothing.
 */

/** Semi-space size (MiB) of the children's young generation. */
export const CHILD_SEMI_SPACE_MIB = 8

/**
 * The flags to put before the CLI script; none when `NODE_OPTIONS` already sizes the young
 * generation (the operator's choice wins).
 */
export function childHeapFlags(nodeOptions: string | undefined = process.env.NODE_OPTIONS): string[] {
  if (nodeOptions !== undefined && /--max-semi-space-size\b/.test(nodeOptions)) return []
  return [`--max-semi-space-size=${CHILD_SEMI_SPACE_MIB}`]
}
