/**
 * Verifying a grant chain in two steps:
 * - `grantVerifier().verify(grant)`: every link's signature, and that each delegation stays
 *   within its proof (issuer = proof's audience; resource, action and expiry no wider).
 *   Depends only on the bytes, so results are cached by grant id.
 * - `checkGrantUse(chain, …)`: at a given time, against revocations and the trusted roots.
 */
import type { SignedGrant } from '../../../shared/trust.js'
import { InvalidSignatureError, PermissionDeniedError } from '../errors.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import { Lru } from '../lru.js'
import { covers } from './capability.js'
import { grantId, grantLinks, grantSigningBytes } from './grant.js'

export interface GrantLink {
  id: string
  grant: SignedGrant
}

/** A verified chain, root first; the leaf is the presented grant. */
export interface GrantChain {
  links: GrantLink[]
  leaf: SignedGrant
  /** The earliest expiry along the chain. */
  expiry: number
}

export interface GrantVerifier {
  /** `InvalidSignatureError`, `MalformedError`, or `PermissionDeniedError` (`delegation_exceeds_issuer`). */
  verify(grant: unknown): Promise<GrantChain>
  /** Fraction of `verify` calls answered from the cache. */
  hitRate(): number
}

function exceeds (why: string, child: SignedGrant, parent: SignedGrant): PermissionDeniedError {
  return new PermissionDeniedError('delegation_exceeds_issuer',
    `a grant delegated by ${child.issuer} exceeds its issuer's rights: ${why} (issuer holds ${parent.action} on ${parent.resource} until ${new Date(parent.expiry).toISOString()})`,
    { issuer: child.issuer, resource: child.resource, action: child.action })
}

async function verifyChain (value: unknown, verifier: SignatureVerifier): Promise<GrantChain> {
  const grants = grantLinks(value)
  const links = grants.map(grant => ({ id: grantId(grant), grant }))
  for (let i = 1; i < grants.length; i++) {
    const parent = grants[i - 1]
    const child = grants[i]
    if (child.issuer !== parent.audience) throw exceeds(`its issuer is not the audience (${parent.audience}) of the grant it delegates`, child, parent)
    if (!covers(parent.resource, child.resource)) throw exceeds(`resource ${child.resource} is not within ${parent.resource}`, child, parent)
    if (!covers(parent.action, child.action)) throw exceeds(`action ${child.action} is not within ${parent.action}`, child, parent)
    if (child.expiry > parent.expiry) throw exceeds(`it expires after the grant it delegates (${new Date(child.expiry).toISOString()})`, child, parent)
  }
  const checks = await Promise.all(grants.map(async g => await verifier.verify(g.issuer, g.signature, grantSigningBytes(g))))
  const bad = checks.indexOf(false)
  if (bad >= 0) {
    throw new InvalidSignatureError(`grant ${links[bad].id} (${grants[bad].action} on ${grants[bad].resource}) is not signed by its issuer ${grants[bad].issuer}`,
      { grant: links[bad].id })
  }
  return { links, leaf: grants[grants.length - 1], expiry: Math.min(...grants.map(g => g.expiry)) }
}

function safeId (grant: unknown): string | undefined {
  try { return grantId(grant as SignedGrant) } catch { return undefined }
}

export function grantVerifier (verifier: SignatureVerifier, init: { cacheSize?: number } = {}): GrantVerifier {
  const cache = new Lru<string, GrantChain>(init.cacheSize ?? 4096)
  return {
    async verify (grant) {
      const sig = (grant as SignedGrant | null)?.signature
      // the leaf signature covers the whole chain (proofs are embedded), so it names the chain
      const cached = typeof sig === 'string' ? cache.get(sig) : undefined
      if (cached != null && cached.leaf === grant) return cached
      if (cached != null && cached.links[cached.links.length - 1].id === safeId(grant)) return cached
      const chain = await verifyChain(grant, verifier)
      cache.set(chain.leaf.signature, chain)
      return chain
    },
    hitRate: () => cache.hitRate()
  }
}

export interface GrantUseContext {
  now: number
  /** True when `issuer` is trusted to grant `resource` at the root of a chain. */
  isAuthority(issuer: string, resource: string): boolean
  /** True when a revocation of grant `id`, signed by one of `issuers`, is known. */
  isRevoked(id: string, issuers: readonly string[]): boolean
}

/** Whether the chain may be used now; the error says why not. */
export function checkGrantUse (chain: GrantChain, context: GrantUseContext): PermissionDeniedError | undefined {
  const root = chain.links[0].grant
  if (!context.isAuthority(root.issuer, root.resource)) {
    return new PermissionDeniedError('issuer_not_authorized', `the root grant of ${chain.leaf.action} on ${chain.leaf.resource} is issued by ${root.issuer}, who is not an authority for ${root.resource}`,
      { issuer: root.issuer })
  }
  const issuers: string[] = []
  for (const { id, grant } of chain.links) {
    issuers.push(grant.issuer)
    if (grant.expiry <= context.now) {
      return new PermissionDeniedError('grant_expired', `grant ${id} (${grant.action} on ${grant.resource}, from ${grant.issuer}) expired at ${new Date(grant.expiry).toISOString()}`,
        { grant: id, expiry: grant.expiry })
    }
    if (grant.notBefore != null && grant.notBefore > context.now) {
      return new PermissionDeniedError('grant_not_yet_valid', `grant ${id} (${grant.action} on ${grant.resource}) is not valid before ${new Date(grant.notBefore).toISOString()}`,
        { grant: id, notBefore: grant.notBefore })
    }
    if (context.isRevoked(id, issuers)) {
      return new PermissionDeniedError('grant_revoked', `grant ${id} (${grant.action} on ${grant.resource}, from ${grant.issuer}) has been revoked`, { grant: id })
    }
  }
  return undefined
}
