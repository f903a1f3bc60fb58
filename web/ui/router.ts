/** A hash router (`#/flows`, `#/builder/<id>`, `#/runs/<id>`): the app has a handful of routes. */
import { createSignal } from 'solid-js'
import type { Accessor } from 'solid-js'

export interface Route { name: string, param?: string }

export function parseHash (hash: string): Route {
  const [name, ...rest] = hash.replace(/^#\/?/, '').split('/')
  return { name: name === '' ? 'flows' : name, param: rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined }
}

const [route, setRoute] = createSignal<Route>(parseHash(globalThis.location?.hash ?? ''))
globalThis.addEventListener?.('hashchange', () => setRoute(parseHash(location.hash)))

export const currentRoute: Accessor<Route> = route
export function navigate (name: string, param?: string): void {
  location.hash = `#/${name}${param != null ? '/' + encodeURIComponent(param) : ''}`
}
