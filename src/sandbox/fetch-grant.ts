/**
 * The granted `fetch` capability. Guests never touch the network themselves: the guest's
 * `fetch` posts a request to the host, which checks it here (allow-listed host, request
 * budget, no redirects followed) and performs it with the host's `fetch`.
 */
import type { GuestRequest, GuestResponse } from './protocol.js'

export interface NetworkGrant {
  /** Hostnames the guest may reach: `api.example.com`, or `*.example.com` for its subdomains. */
  allowedHosts: string[]
  /** The host's fetch (default `globalThis.fetch`); tests inject a stub. */
  fetch?: typeof globalThis.fetch
  /** Largest response body handed to the guest (default 1 MiB). */
  maxResponseBytes?: number
}

export class NetworkDeniedError extends Error {
  static override name = 'PermissionDeniedError'
  constructor (message: string) { super(message); this.name = NetworkDeniedError.name }
}

export class NetworkBudgetError extends Error {
  static override name = 'ResourceExhaustedError'
  constructor (message: string) { super(message); this.name = NetworkBudgetError.name }
}

/** One execution's view of the grant: counts requests against its budget. */
export interface FetchSession {
  fetch(request: GuestRequest, signal: AbortSignal): Promise<GuestResponse>
  readonly used: number
}

export function fetchSession (grant: NetworkGrant, budget: number): FetchSession {
  let used = 0
  const doFetch = grant.fetch ?? globalThis.fetch.bind(globalThis)
  const maxBytes = grant.maxResponseBytes ?? 1024 * 1024
  return {
    get used () { return used },
    async fetch (request, signal) {
      const url = checkUrl(request.url, grant.allowedHosts)
      if (used >= budget) throw new NetworkBudgetError(`network request limit of ${budget} reached`)
      used++
      const method = String(request.method ?? 'GET').toUpperCase()
      const response = await doFetch(url, {
        method,
        headers: sanitizeHeaders(request.headers),
        body: method === 'GET' || method === 'HEAD' ? undefined : request.body ?? undefined,
        redirect: 'manual',
        credentials: 'omit',
        signal
      })
      const body = await readCapped(response, maxBytes)
      const headers: Record<string, string> = {}
      response.headers.forEach((value, key) => { headers[key.toLowerCase()] = value })
      return { url: url.toString(), status: response.status, statusText: response.statusText, headers, body }
    }
  }
}

function checkUrl (raw: string, allowedHosts: readonly string[]): URL {
  let url: URL
  try {
    url = new URL(String(raw))
  } catch {
    throw new NetworkDeniedError(`invalid URL: ${String(raw).slice(0, 200)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new NetworkDeniedError(`scheme ${url.protocol} is not allowed`)
  if (url.username !== '' || url.password !== '') throw new NetworkDeniedError('credentials in URLs are not allowed')
  if (!hostAllowed(url.hostname.toLowerCase(), allowedHosts)) throw new NetworkDeniedError(`host ${url.hostname} is not allow-listed`)
  return url
}

export function hostAllowed (hostname: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some(pattern => {
    const p = pattern.toLowerCase()
    return p.startsWith('*.') ? hostname.endsWith(p.slice(1)) && hostname.length > p.length - 1 : hostname === p
  })
}

/** Guest headers are the guest's own data; ambient credentials are never added (`credentials: 'omit'`). */
function sanitizeHeaders (headers: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (headers == null || typeof headers !== 'object') return out
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    out[key] = String(value)
  }
  return out
}

async function readCapped (response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader()
  if (reader == null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new NetworkBudgetError(`response body larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) { all.set(c, offset); offset += c.byteLength }
  return new TextDecoder().decode(all)
}
