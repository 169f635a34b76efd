import { useEffect, useState } from 'preact/hooks'
import { polkadot, type Polkadot } from './lazy.js'
import type { ApiPromise } from './polkadot.js'

/** The lazily loaded @polkadot/api connection, or the readable reason it failed. */
export function useApi(url: string): { api?: ApiPromise; pd?: Polkadot; error?: string } {
  const [state, setState] = useState<{ api?: ApiPromise; pd?: Polkadot; error?: string }>({})
  useEffect(() => {
    let live = true
    polkadot()
      .then(async (pd) => ({ pd, api: await pd.connectApi(url) }))
      .then(
        (s) => live && setState(s),
        (err: Error) => live && setState({ error: err.message }),
      )
    return () => {
      live = false
    }
  }, [url])
  return state
}
