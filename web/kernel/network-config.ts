/**
 * Which relays the tab dials, which DAO subnets it joins and which capabilities it offers when
 * lent: from the page URL (`?relay=<multiaddr>&subnet=acme&capability=gpu`, each repeatable),
 * else from the build's config (`VITE_QFLOW_RELAYS`, comma separated). Bad values name the
 * parameter and the reason; no relay at all leaves the tab local.
 */
import { multiaddr } from '@multiformats/multiaddr'

export interface TabNetworkConfig {
  /** Relay multiaddrs ending in `/p2p/<peer id>`. */
  relays: string[]
  /** DAO subnets the tab joins (the first one is the default of steps naming none). */
  subnets: string[]
  /** Capabilities the tab announces when lent (always includes `browser`). */
  capabilities: string[]
  /** Steps run at once for others when lent. */
  maxConcurrent: number
  /** ws:// and loopback dials (a page served over plain http: dev and tests). */
  allowInsecureDial: boolean
}

export class NetworkConfigError extends Error {
  static override readonly name = 'NetworkConfigError'
  constructor (message: string) {
    super(message)
    this.name = 'NetworkConfigError'
  }
}

export const DEFAULT_SUBNET = 'public'
export const BROWSER_CAPABILITY = 'browser'
const NAME = /^[A-Za-z0-9._-]{1,64}$/

/**
 * @example
 * tabNetworkConfig({ search: '?relay=/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooW…', protocol: 'http:', cores: 4 })
 */
export function tabNetworkConfig (from: { search: string, protocol: string, cores?: number, builtInRelays?: string }): TabNetworkConfig {
  const params = new URLSearchParams(from.search)
  const listed = params.getAll('relay').flatMap(r => r.split(',')).map(r => r.trim()).filter(r => r !== '')
  const relays = listed.length > 0 ? listed : (from.builtInRelays ?? '').split(',').map(r => r.trim()).filter(r => r !== '')
  for (const [i, r] of relays.entries()) {
    let ok = false
    try { ok = multiaddr(r).getComponents().some(c => c.name === 'p2p') } catch (err) {
      throw new NetworkConfigError(`relay[${i}]: "${r}" is not a multiaddr (${(err as Error).message})`)
    }
    if (!ok) throw new NetworkConfigError(`relay[${i}]: "${r}" must end in /p2p/<relay peer id>`)
  }
  const names = (key: string): string[] => params.getAll(key).flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== '').map((v, i) => {
    if (!NAME.test(v)) throw new NetworkConfigError(`${key}[${i}]: "${v}" must be 1-64 letters, digits, '.', '_' or '-'`)
    return v
  })
  const subnets = names('subnet')
  const capabilities = [...new Set([BROWSER_CAPABILITY, ...names('capability')])]
  const cores = Math.max(1, from.cores ?? 1)
  const max = params.get('maxConcurrent')
  const maxConcurrent = max == null ? Math.max(1, cores - 1) : Number(max)
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new NetworkConfigError(`maxConcurrent: "${max ?? ''}" must be a whole number ≥ 1`)
  return {
    relays,
    subnets: subnets.length > 0 ? subnets : [DEFAULT_SUBNET],
    capabilities,
    maxConcurrent,
    allowInsecureDial: from.protocol !== 'https:'
  }
}
