import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SignedGrant } from '../../../shared/trust.js'
import {
  checkGrantUse, covers, createIdentity, grantId, grantVerifier, issueGrant, matches, parsePermission, revocationList, signatureVerifier, signRevocation
} from '../../../src/trust/index.js'
import { fakeClock } from '../../fixtures/fake-clock.js'

const [admin, alice, bob, carol] = await Promise.all([createIdentity(), createIdentity(), createIdentity(), createIdentity()])
const verifier = await signatureVerifier()
const clock = fakeClock()
const HOUR = 3_600_000

const root = await issueGrant(admin, { audience: alice.id, resource: 'http:*', action: 'use', ttlMs: HOUR }, { clock })
const use = (overrides: Partial<Parameters<typeof checkGrantUse>[1]> = {}): Parameters<typeof checkGrantUse>[1] =>
  ({ now: clock.now(), isAuthority: (i) => i === admin.id, isRevoked: () => false, ...overrides })

describe('capability patterns', () => {
  it('match exact, prefix and any', () => {
    expect(matches('http:*', 'http:api.example.com')).toBe(true)
    expect(matches('http:api.example.com', 'http:api.example.com')).toBe(true)
    expect(matches('http:api.example.com', 'http:api.example.com.evil')).toBe(false)
    expect(covers('http:*', 'http:api.*')).toBe(true)
    expect(covers('http:api.*', 'http:*')).toBe(false)
    expect(covers('http:api.example.com', 'http:*')).toBe(false)
    expect(parsePermission('flow:x#execute')).toEqual({ resource: 'flow:x', action: 'execute' })
    expect(parsePermission('reports:read')).toEqual({ resource: 'reports:read', action: 'use' })
  })

  it('covers is sound: whatever the child allows, the parent allows', () => {
    const pattern = fc.oneof(fc.constant('*'), fc.stringMatching(/^[ab:.]{0,4}\*$/), fc.stringMatching(/^[ab:.]{1,5}$/))
    fc.assert(fc.property(pattern, pattern, fc.stringMatching(/^[ab:.]{0,6}$/), (parent, child, value) => {
      if (covers(parent, child) && matches(child, value)) expect(matches(parent, value)).toBe(true)
    }), { numRuns: 2000 })
  })
})

describe('grant chains', () => {
  it('verify a delegation that narrows its proof, and cache the result', async () => {
    const grants = grantVerifier(verifier)
    const delegated = await issueGrant(alice, { audience: bob.id, resource: 'http:api.example.com', action: 'use', proof: root }, { clock })
    const chain = await grants.verify(delegated)
    expect(chain.links.map(l => l.grant.issuer)).toEqual([admin.id, alice.id])
    expect(chain.expiry).toBe(root.expiry)
    expect(checkGrantUse(chain, use())).toBeUndefined()
    await grants.verify(delegated)
    expect(grants.hitRate()).toBeGreaterThan(0)
  })

  it('reject delegation beyond the issuer\'s rights: wider resource, wider action, later expiry, wrong issuer', async () => {
    const grants = grantVerifier(verifier)
    const cases: Array<[Promise<SignedGrant>, RegExp]> = [
      [issueGrant(alice, { audience: bob.id, resource: 'smtp:*', action: 'use', proof: root }, { clock }), /resource smtp:\* is not within http:\*/],
      [issueGrant(alice, { audience: bob.id, resource: 'http:x', action: '*', proof: root }, { clock }), /action \* is not within use/],
      [issueGrant(alice, { audience: bob.id, resource: 'http:x', action: 'use', expiry: root.expiry + 1, proof: root }, { clock }), /expires after/],
      [issueGrant(bob, { audience: carol.id, resource: 'http:x', action: 'use', proof: root }, { clock }), /not the audience/]
    ]
    for (const [grant, why] of cases) {
      await expect(grants.verify(await grant)).rejects.toMatchObject({ name: 'PermissionDeniedError', code: 'delegation_exceeds_issuer', type: 'permission_denied', message: why })
    }
  })

  it('reject a forged link anywhere in the chain', async () => {
    const grants = grantVerifier(verifier)
    const forgedRoot = { ...root, resource: '*' }
    const delegated = await issueGrant(alice, { audience: bob.id, resource: 'http:x', action: 'use', proof: forgedRoot }, { clock })
    await expect(grants.verify(delegated)).rejects.toMatchObject({ name: 'InvalidSignatureError', message: /is not signed by its issuer/ })
    await expect(grants.verify({ ...root, audience: bob.id })).rejects.toMatchObject({ name: 'InvalidSignatureError' })
  })

  it('are used only while valid, from an authority, and until revoked by an issuer in the chain', async () => {
    const grants = grantVerifier(verifier)
    const later = await issueGrant(admin, { audience: alice.id, resource: 'http:*', action: 'use', ttlMs: HOUR, notBefore: clock.now() + 1000 }, { clock })
    const delegated = await issueGrant(alice, { audience: bob.id, resource: 'http:x', action: 'use', proof: root }, { clock })
    const chain = await grants.verify(delegated)
    expect(checkGrantUse(chain, use({ now: root.expiry }))).toMatchObject({ code: 'grant_expired', message: /expired at/ })
    expect(checkGrantUse(await grants.verify(later), use())).toMatchObject({ code: 'grant_not_yet_valid' })
    expect(checkGrantUse(chain, use({ isAuthority: () => false }))).toMatchObject({ code: 'issuer_not_authorized' })

    const revocations = revocationList(verifier)
    await revocations.add(await signRevocation(carol, root, { clock })) // an outsider's revocation does not count
    expect(checkGrantUse(chain, use({ isRevoked: revocations.isRevoked }))).toBeUndefined()
    await revocations.add(await signRevocation(admin, root, { clock }))
    expect(revocations.version()).toBe(2)
    expect(checkGrantUse(chain, use({ isRevoked: revocations.isRevoked }))).toMatchObject({ code: 'grant_revoked', message: new RegExp(grantId(root)) })
    await expect(revocations.add({ ...(await signRevocation(admin, delegated)), grant: 'other' })).rejects.toMatchObject({ name: 'InvalidSignatureError' })
  })

  it('any change to any field of any link fails verification (property)', async () => {
    const grants = grantVerifier(verifier, { cacheSize: 1 })
    const delegated = await issueGrant(alice, { audience: bob.id, resource: 'http:api.example.com', action: 'use', proof: root }, { clock })
    const fields = ['issuer', 'audience', 'resource', 'action', 'expiry', 'nonce', 'signature'] as const
    await fc.assert(fc.asyncProperty(fc.constantFrom(...fields), fc.boolean(), fc.nat(), async (field, inProof, seed) => {
      const change = (g: SignedGrant): SignedGrant => {
        switch (field) {
          case 'issuer': return { ...g, issuer: g.issuer === carol.id ? bob.id : carol.id }
          case 'audience': return { ...g, audience: g.audience === carol.id ? bob.id : carol.id }
          case 'resource': return { ...g, resource: g.resource === 'http:*' ? 'http:api.*' : 'http:api.example.co' }
          case 'action': return { ...g, action: 'use' + String(seed % 9) }
          case 'expiry': return { ...g, expiry: g.expiry - 1 - seed % 1000 }
          case 'nonce': return { ...g, nonce: g.nonce + 'x' }
          case 'signature': return { ...g, signature: (g.signature[0] === 'A' ? 'B' : 'A') + g.signature.slice(1) }
        }
      }
      const mutated = inProof ? { ...delegated, proof: change(root) } : change(delegated)
      await expect(grants.verify(mutated)).rejects.toThrow()
    }), { numRuns: 100 })
  })
})
