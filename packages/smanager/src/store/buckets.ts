/** Key spaces of the task store. Numbers are never reused; retired ones stay here as comments. */
export const Bucket = {
  /** cid → Task */
  tasks: 1,
  /** name → value (last processed block, ...) */
  meta: 2,
} as const
