/**
 * Revocations: signed statements that a grant is void. Anyone may sign one, but it only
 * counts for a grant if its issuer is that grant's issuer or an issuer above it in the chain
 * (checked when the grant is used, so revoking needs no copy of the grant). Each accepted
 * revocation bumps `version`, which is part of the pipeline's policy version: cached
 * validations made before it no longer apply.
 */
import type { SignedGrant, SignedRevocation, UnsignedRevocation } from '../../../shared/trust.js'
import { systemClock } from '../../interface/clock.js'
import type { Clock } from '../../interface/clock.js'
import { DOMAINS, signingBytes, toBase64url } from '../encoding.js'
import { InvalidSignatureError, MalformedError } from '../errors.js'
import { isDidKey } from '../identity/did-key.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import { grantId } from './grant.js'

export function revocationSigningBytes (r: UnsignedRevocation): Uint8Array {
  return signingBytes(DOMAINS.revocation, { issuer: r.issuer, grant: r.grant, timestamp: r.timestamp })
}

/** @example await revocations.add(await signRevocation(admin, grant)) */
export async function signRevocation (issuer: SquidIdentity, grant: SignedGrant | string, options: { clock?: Pick<Clock, 'now'> } = {}): Promise<SignedRevocation> {
  const unsigned: UnsignedRevocation = {
    issuer: issuer.id,
    grant: typeof grant === 'string' ? grant : grantId(grant),
    timestamp: Math.trunc((options.clock ?? systemClock()).now())
  }
  return { ...unsigned, signature: toBase64url(await issuer.sign(revocationSigningBytes(unsigned))) }
}

export interface RevocationList {
  /** Verifies and records a revocation (`InvalidSignatureError`, `MalformedError`). */
  add(revocation: unknown): Promise<void>
  /** True when grant `id` is revoked by one of `issuers`. */
  isRevoked(id: string, issuers: readonly string[]): boolean
  /** Increases with every accepted revocation. */
  version(): number
  list(): SignedRevocation[]
}

export function revocationList (verifier: SignatureVerifier, initial: SignedRevocation[] = []): RevocationList & { ready: Promise<void> } {
  const byGrant = new Map<string, Map<string, SignedRevocation>>()
  let version = 0

  async function add (value: unknown): Promise<void> {
    const r = value as SignedRevocation
    if (r == null || typeof r !== 'object' || !isDidKey(r.issuer) || typeof r.grant !== 'string' || !Number.isSafeInteger(r.timestamp) || typeof r.signature !== 'string') {
      throw new MalformedError('revocation_malformed', 'malformed revocation: needs issuer (did:key), grant (id), timestamp and signature')
    }
    if (!await verifier.verify(r.issuer, r.signature, revocationSigningBytes(r))) {
      throw new InvalidSignatureError(`the revocation of grant ${r.grant} is not signed by ${r.issuer}`)
    }
    const issuers = byGrant.get(r.grant) ?? new Map<string, SignedRevocation>()
    if (issuers.has(r.issuer)) return
    issuers.set(r.issuer, { issuer: r.issuer, grant: r.grant, timestamp: r.timestamp, signature: r.signature })
    byGrant.set(r.grant, issuers)
    version++
  }

  const ready = (async () => { for (const r of initial) await add(r) })()
  return {
    add,
    ready,
    isRevoked (id, issuers) {
      const by = byGrant.get(id)
      return by != null && issuers.some(i => by.has(i))
    },
    version: () => version,
    list: () => [...byGrant.values()].flatMap(m => [...m.values()])
  }
}
