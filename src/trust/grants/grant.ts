/**
 * Signed capability grants (UCAN-style): `issuer` lets `audience` do `action` on `resource`
 * until `expiry`. A delegation embeds its proof, so the signature of each link covers the
 * whole chain above it and a grant verifies on its own. A grant's id is the CID of its
 * dag-cbor encoding (what revocations name).
 */
import type { SignedGrant, UnsignedGrant } from '../../../shared/trust.js'
import { systemClock } from '../../interface/clock.js'
import type { Clock } from '../../interface/clock.js'
import { cidOfValue, compact, DOMAINS, randomNonce, signingBytes, toBase64url } from '../encoding.js'
import { MalformedError } from '../errors.js'
import { isDidKey } from '../identity/did-key.js'
import type { SquidIdentity } from '../identity/identity.js'

/** Longest delegation chain accepted (root + 7 delegations). */
export const MAX_CHAIN = 8

export interface GrantFields {
  audience: string
  resource: string
  action: string
  /** Epoch ms; or give `ttlMs`. A delegation defaults to its proof's expiry. */
  expiry?: number
  ttlMs?: number
  notBefore?: number
  /** The grant this one delegates (its audience must be the issuer). */
  proof?: SignedGrant
}

export function grantSigningBytes (grant: UnsignedGrant): Uint8Array {
  const { issuer, audience, resource, action, expiry, notBefore, nonce, proof } = grant
  return signingBytes(DOMAINS.grant, compact({ issuer, audience, resource, action, expiry, notBefore, nonce, proof }))
}

/**
 * @example
 * const g = await issueGrant(admin, { audience: alice.id, resource: 'http:*', action: 'use', ttlMs: 3_600_000 })
 * const d = await issueGrant(alice, { audience: bob.id, resource: 'http:api.example.com', action: 'use', proof: g })
 */
export async function issueGrant (issuer: SquidIdentity, fields: GrantFields, options: { clock?: Pick<Clock, 'now'>, nonce?: string } = {}): Promise<SignedGrant> {
  const now = (options.clock ?? systemClock()).now()
  const expiry = fields.expiry ?? (fields.ttlMs != null ? now + fields.ttlMs : fields.proof?.expiry)
  if (expiry == null) throw new TypeError('a grant needs an expiry (or ttlMs, or a proof to inherit it from)')
  const unsigned: UnsignedGrant = compact({
    issuer: issuer.id,
    audience: fields.audience,
    resource: fields.resource,
    action: fields.action,
    expiry: Math.trunc(expiry),
    notBefore: fields.notBefore,
    nonce: options.nonce ?? randomNonce(),
    proof: fields.proof
  })
  return { ...unsigned, signature: toBase64url(await issuer.sign(grantSigningBytes(unsigned))) }
}

export function grantId (grant: SignedGrant): string {
  return cidOfValue(compact(grant))
}

/** Checks the shape of a grant and its proofs; `MalformedError` (`grant_malformed`). Returns root first. */
export function grantLinks (value: unknown): SignedGrant[] {
  const links: SignedGrant[] = []
  let current: unknown = value
  while (current != null) {
    if (links.length >= MAX_CHAIN) throw new MalformedError('grant_malformed', `delegation chain longer than ${MAX_CHAIN} grants`)
    links.push(checkGrantShape(current))
    current = (current as SignedGrant).proof
  }
  return links.reverse()
}

function checkGrantShape (value: unknown): SignedGrant {
  const bad = (why: string): never => { throw new MalformedError('grant_malformed', `malformed grant: ${why}`) }
  if (typeof value !== 'object' || value == null) return bad('not an object')
  const g = value as Record<string, unknown>
  if (!isDidKey(g.issuer)) bad('issuer is not an sQuid identity (did:key)')
  if (!isDidKey(g.audience)) bad('audience is not an sQuid identity (did:key)')
  for (const field of ['resource', 'action'] as const) if (typeof g[field] !== 'string' || g[field] === '') bad(`${field} must be a non-empty string`)
  if (!Number.isSafeInteger(g.expiry)) bad('expiry must be an integer (epoch ms)')
  if (g.notBefore != null && !Number.isSafeInteger(g.notBefore)) bad('notBefore must be an integer (epoch ms)')
  if (typeof g.nonce !== 'string' || g.nonce === '') bad('nonce must be a string')
  if (typeof g.signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(g.signature)) bad('signature must be 64 bytes of base64url')
  return g as unknown as SignedGrant
}
