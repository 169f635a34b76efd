/** The @polkadot chunk, loaded once on first use. */
export const polkadot = () => import('./polkadot.js')
export type Polkadot = Awaited<ReturnType<typeof polkadot>>
