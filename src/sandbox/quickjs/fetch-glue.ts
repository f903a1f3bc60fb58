/**
 * Guest-side `fetch`, evaluated only in contexts whose job was granted network access. It
 * wraps the host call (a string in, a string out) into a Response-like object. The host
 * checks every request (allow-list, budget); nothing here is trusted.
 */
export const FETCH_GLUE = String.raw`(function (hostFetch) {
  'use strict'
  const stringify = JSON.stringify
  const parse = JSON.parse
  const freeze = Object.freeze
  return async function fetch (url, init) {
    const options = init ?? {}
    const request = stringify({
      url: String(url), method: String(options.method ?? 'GET'),
      headers: options.headers ?? {}, body: options.body == null ? null : String(options.body)
    })
    const res = parse(await hostFetch(request))
    const headers = res.headers
    return freeze({
      ok: res.status >= 200 && res.status < 300, status: res.status, statusText: res.statusText, url: res.url,
      headers: freeze({ get: (name) => headers[String(name).toLowerCase()] ?? null, entries: () => Object.entries(headers) }),
      text: async () => res.body,
      json: async () => parse(res.body)
    })
  }
})`
