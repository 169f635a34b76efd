/** The IPFS API `crust ipfs` talks to by default (kept apart so the command definitions load no client). */
export const DEFAULT_API = 'http://127.0.0.1:5001'
