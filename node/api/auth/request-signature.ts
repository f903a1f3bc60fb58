/**
 * Requests signed by an sQuid identity. The header
 *
 *     x-qflow-signature: <base64 (or base64url) of the dag-cbor SignedEnvelope>
 *
 * carries a trust envelope (`src/trust/envelope.ts`) with
 * - `type: 'external-event'`, `target: 'api:<METHOD> <path?query>'`,
 * - `payloadHash` = CID of `{ method, path, body }` where `path` is the URL path with its query
 *   string exactly as sent and `body` the lowercase hex SHA-256 of the raw body bytes (of the
 *   empty string when there is none),
 * - `nonce` and `timestamp` checked against the relay's clock (±`skewMs`, default 5 min) and a
 *   replay cache: a captured request cannot be sent twice, altered, or sent to another path.
 *
 * `signRequest` (for clients: the CLI, tests) builds the header.
 */
import { createHash } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import { trust } from '../../../src/index.js'
import type { Clock } from '../../../src/index.js'
import { RateLimitedError, UnauthorizedError } from './errors.js'

export const SIGNATURE_HEADER = 'x-qflow-signature'

/** Envelopes larger than this are refused before decoding. */
const MAX_HEADER_CHARS = 4096

export interface SignedRequestParts {
  method: string
  /** URL path plus query string, as sent (`/api/v1/flows?tag=a`). */
  path: string
  body?: Uint8Array | string
}

function bodyHash (body: Uint8Array | string | undefined): string {
  const hash = createHash('sha256')
  if (body != null) hash.update(body)
  return hash.digest('hex')
}

function requestPayload (parts: SignedRequestParts): { method: string, path: string, body: string } {
  return { method: parts.method.toUpperCase(), path: parts.path, body: bodyHash(parts.body) }
}

const targetOf = (parts: SignedRequestParts): string => `api:${parts.method.toUpperCase()} ${parts.path}`

/**
 * The headers that sign a request as `identity`.
 *
 * @example
 * const headers = await signRequest(alice, { method: 'POST', path: '/api/v1/flows', body: text })
 * await fetch(`${url}/api/v1/flows`, { method: 'POST', body: text, headers: { ...headers, 'content-type': 'application/json' } })
 */
export async function signRequest (identity: trust.SquidIdentity, parts: SignedRequestParts,
  options: trust.SignEnvelopeOptions = {}): Promise<Record<string, string>> {
  const envelope = await trust.signEnvelope(identity, { type: 'external-event', target: targetOf(parts), payload: requestPayload(parts) }, options)
  return { [SIGNATURE_HEADER]: Buffer.from(dagCbor.encode(envelope)).toString('base64') }
}

export interface RequestVerifierInit {
  clock: Pick<Clock, 'now'>
  verifier: trust.SignatureVerifier
  replay: trust.ReplayCache
  skewMs?: number
}

/** Resolves with the signer's id; `UnauthorizedError` naming the reason otherwise. */
export async function verifySignedRequest (header: string, parts: SignedRequestParts, init: RequestVerifierInit): Promise<string> {
  if (header.length > MAX_HEADER_CHARS) throw new UnauthorizedError(`${SIGNATURE_HEADER}: longer than ${MAX_HEADER_CHARS} characters`)
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(header.trim())) throw new UnauthorizedError(`${SIGNATURE_HEADER}: not base64`)
  let envelope: unknown
  try {
    envelope = dagCbor.decode(Buffer.from(header.trim(), 'base64'))
  } catch (err) {
    throw new UnauthorizedError(`${SIGNATURE_HEADER}: not a dag-cbor envelope (${(err as Error).message})`)
  }
  const target = targetOf(parts)
  if (envelope != null && typeof envelope === 'object' && (envelope as { target?: unknown }).target !== target) {
    throw new UnauthorizedError(`${SIGNATURE_HEADER}: the envelope signs another request (target must be "${target}")`)
  }
  try {
    const verified = await trust.verifyEnvelope(envelope, {
      clock: init.clock,
      verifier: init.verifier,
      replay: init.replay,
      ...(init.skewMs != null ? { skewMs: init.skewMs } : {}),
      payload: { value: requestPayload(parts) }
    })
    if (verified.type !== 'external-event') throw new UnauthorizedError(`${SIGNATURE_HEADER}: the envelope type must be "external-event"`)
    return verified.actor
  } catch (err) {
    if ((err as Error).name === UnauthorizedError.NAME) throw err
    const code = (err as { code?: string }).code
    // the replay cache is full of live nonces: resource exhaustion, not a credential fault
    if (code === 'replay_cache_full') throw new RateLimitedError(1000)
    throw new UnauthorizedError(`${SIGNATURE_HEADER}: ${(err as Error).message}`)
  }
}
