/**
 * The two halves of a webhook call that are not routing: checking the caller against the
 * trigger's `auth` (constant-time), turning the HTTP request into the execution's input, and
 * turning a synchronous execution's output into the HTTP answer.
 *
 * Input: `{ body, query, headers }` where `body` is parsed JSON (`application/json`, `+json`),
 * an object of fields (`application/x-www-form-urlencoded`; repeated fields become lists), the
 * text (valid UTF-8), or else base64 with `bodyEncoding: "base64"`. `query` drops `token` and
 * `wait`; `headers` drops `authorization`, `cookie` and the webhook token header (secrets do not
 * go into the execution's log).
 *
 * Output → answer: an output object with an integer `status` (200-599) and no keys but
 * `status`, `body`, `headers` is the HTTP response (a string body as text, anything else as
 * JSON); any other output is `200` with the output as JSON.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { UnauthorizedError } from './auth/errors.js'
import { checkDepth } from './body.js'
import { ExecutionFailedError, InvalidRequestError } from './errors.js'
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TOKEN_HEADER } from './webhook-params.js'
import type { WebhookParams } from './webhook-params.js'

const sha256 = (value: string | Uint8Array): Buffer => createHash('sha256').update(value).digest()

/** Throws `UnauthorizedError` unless the request satisfies the trigger's `auth`. */
export function checkWebhookAuth (auth: WebhookParams['auth'], request: { headers: Headers, query: URLSearchParams, raw: Uint8Array }): void {
  if (auth == null || auth.type === 'none') return
  if (auth.type === 'token') {
    const presented = request.headers.get(WEBHOOK_TOKEN_HEADER) ?? request.query.get('token')
    if (presented == null) throw new UnauthorizedError(`this webhook needs its token: header ${WEBHOOK_TOKEN_HEADER} or ?token=`)
    // equal-length digests: the comparison time says nothing about the token
    if (!timingSafeEqual(sha256(presented), sha256(auth.token))) throw new UnauthorizedError('wrong webhook token')
    return
  }
  const header = (auth.header ?? WEBHOOK_SIGNATURE_HEADER).toLowerCase()
  const presented = request.headers.get(header)
  if (presented == null) throw new UnauthorizedError(`this webhook needs an HMAC-SHA256 signature of the body: header ${header}: sha256=<hex>`)
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(presented.trim())
  if (match == null) throw new UnauthorizedError(`${header}: expected sha256=<64 hex digits>`)
  const expected = createHmac('sha256', auth.secret).update(request.raw).digest()
  if (!timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) throw new UnauthorizedError(`${header}: the signature does not match the body`)
}

const DROPPED_HEADERS = new Set(['authorization', 'cookie', WEBHOOK_TOKEN_HEADER])
const DROPPED_QUERY = new Set(['token', 'wait'])

/** The execution's `inputData` for a webhook request. */
export function webhookInput (request: { headers: Headers, url: URL, raw: Uint8Array }): Record<string, unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
  const input: Record<string, unknown> = {}
  if (request.raw.byteLength === 0) {
    input.body = null
  } else if (type === 'application/json' || type.endsWith('+json')) {
    try {
      input.body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.raw))
    } catch (err) {
      throw new InvalidRequestError([{ path: 'body', message: `not JSON: ${(err as Error).message}` }])
    }
    checkDepth(input.body)
  } else if (type === 'application/x-www-form-urlencoded') {
    input.body = group(new URLSearchParams(new TextDecoder().decode(request.raw)), new Set())
  } else {
    try {
      input.body = new TextDecoder('utf-8', { fatal: true }).decode(request.raw)
    } catch {
      input.body = Buffer.from(request.raw).toString('base64')
      input.bodyEncoding = 'base64'
    }
  }
  input.query = group(request.url.searchParams, DROPPED_QUERY)
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => { if (!DROPPED_HEADERS.has(name)) headers[name] = value })
  input.headers = headers
  return input
}

function group (params: URLSearchParams, dropped: Set<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null)
  for (const [key, value] of params) {
    if (dropped.has(key)) continue
    const prev = out[key]
    out[key] = prev == null ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return { ...out }
}

const RESPONSE_KEYS = new Set(['status', 'body', 'headers'])
const HOP_BY_HOP = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate'])
const NULL_BODY = new Set([204, 205, 304])

/** Whether an output is an HTTP response description (see the module comment). */
export function isResponseOutput (output: unknown): output is { status: number, body?: unknown, headers?: unknown } {
  if (output == null || typeof output !== 'object' || Array.isArray(output)) return false
  const o = output as Record<string, unknown>
  return Number.isInteger(o.status) && Object.keys(o).every(k => RESPONSE_KEYS.has(k))
}

/** The answer to a synchronous webhook call whose execution completed with `output`. */
export function webhookResponse (executionId: string, output: unknown): Response {
  if (!isResponseOutput(output)) {
    return new Response(JSON.stringify(output ?? null), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  const bad = (why: string): never => { throw new ExecutionFailedError(executionId, `the flow's response output is unusable: ${why}`) }
  if (output.status < 200 || output.status > 599) bad(`status must be an integer from 200 to 599, got ${output.status}`)
  const headers = new Headers()
  if (output.headers != null) {
    if (typeof output.headers !== 'object' || Array.isArray(output.headers)) bad('headers must be an object of header names to strings')
    for (const [name, value] of Object.entries(output.headers as Record<string, unknown>)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) bad(`headers: "${name}" is not a header name`)
      if (typeof value !== 'string' && typeof value !== 'number') bad(`headers.${name} must be a string`)
      if (HOP_BY_HOP.has(name.toLowerCase())) continue // the server sets these
      try {
        headers.set(name, String(value))
      } catch {
        bad(`headers.${name}: not a valid header value`)
      }
    }
  }
  if (NULL_BODY.has(output.status) || output.body == null) return new Response(null, { status: output.status, headers })
  if (typeof output.body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8')
    return new Response(output.body, { status: output.status, headers })
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  return new Response(JSON.stringify(output.body), { status: output.status, headers })
}
