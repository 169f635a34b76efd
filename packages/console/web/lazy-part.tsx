/** A part of a page in its own chunk: fetched when the page shows it, not with the first page. */
import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'

export function lazyPart<P extends object>(load: () => Promise<ComponentType<P>>, what: string): ComponentType<P> {
  return function LazyPart(props: P) {
    const [part, setPart] = useState<{ Part: ComponentType<P> } | { error: string } | undefined>()
    useEffect(() => {
      load().then(
        (Part) => setPart({ Part }),
        (err: Error) => setPart({ error: `The ${what} could not load: ${err.message}. Reload the page.` }),
      )
    }, [])
    if (part === undefined) return <p class="note">Loading the {what}…</p>
    if ('error' in part) return <p class="error">{part.error}</p>
    return <part.Part {...props} />
  }
}
