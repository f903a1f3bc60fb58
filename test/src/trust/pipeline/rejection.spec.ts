/**
 * Each way an operation can be illegitimate is rejected by the right layer, with the seed's
 * ErrorType and a message that says why, and nothing runs: not the guarded function, not the
 * step dispatcher.
 */
import { describe, expect, it } from 'vitest'
import type { Operation } from '../../../../shared/trust.js'
import type { StepDispatcher } from '../../../../src/interface/dispatcher.js'
import { issueGrant, runValidated, signRevocation, trustedDispatcher } from '../../../../src/trust/index.js'
import { HOUR, world } from '../fixtures.js'
import type { World } from '../fixtures.js'

interface Case {
  name: string
  /** Builds the offending operation; may admit other operations first. */
  make(w: World): Promise<Operation>
  layer: string
  type: string
  code: string
  message: RegExp
}

const cases: Case[] = [
  {
    name: 'forged signature',
    make: async (w) => { const op = await w.op(); return { ...op, envelope: { ...op.envelope, signature: (await w.op({ by: w.mallory })).envelope.signature } } },
    layer: 'qlock', type: 'permission_denied', code: 'signature_invalid', message: /signature does not verify for did:key:/
  },
  {
    name: 'wrong key (mallory signs as alice)',
    make: async (w) => { const op = await w.op({ by: w.mallory }); return { ...op, actor: w.alice.id, envelope: { ...op.envelope, actor: w.alice.id } } },
    layer: 'qlock', type: 'permission_denied', code: 'signature_invalid', message: /forged, altered, or signed with another key/
  },
  {
    name: 'tampered payload',
    make: async (w) => ({ ...await w.op(), payload: { input: { month: '1999-01' } } }),
    layer: 'qlock', type: 'validation_error', code: 'payload_mismatch', message: /does not match the signed payloadHash/
  },
  {
    name: 'replayed nonce',
    make: async (w) => { const op = await w.op(); await w.trust.pipeline.validate(op, { flow: w.flow }); return structuredClone(op) },
    layer: 'qerberos', type: 'permission_denied', code: 'nonce_reused', message: /already used: the operation is a replay/
  },
  {
    name: 'stale timestamp',
    make: async (w) => { const op = await w.op(); await w.clock.advance(5 * 60_000 + 1); return op },
    layer: 'qerberos', type: 'permission_denied', code: 'timestamp_skew', message: /300 s in the past; the allowed skew is ±300 s/
  },
  {
    name: 'expired grant',
    make: async (w) => { const grants = [...w.grants.slice(0, 2), await issueGrant(w.admin, { audience: w.alice.id, resource: 'http:*', action: 'use', expiry: w.clock.now() - 1 })]; return await w.op({ context: { grants } }) },
    layer: 'qonsent', type: 'permission_denied', code: 'grant_expired', message: /http:api\.example\.com is not granted to .*: grant .* expired at/
  },
  {
    name: 'revoked grant',
    make: async (w) => { await w.trust.revocations.add(await signRevocation(w.admin, w.grants[1], { clock: w.clock })); return await w.op() },
    layer: 'qonsent', type: 'permission_denied', code: 'grant_revoked', message: /reports:read is not granted .* has been revoked/
  },
  {
    name: 'missing permission',
    make: async (w) => await w.op({ context: { grants: w.grants.filter(g => g.resource !== 'reports:read') } }),
    layer: 'qonsent', type: 'permission_denied', code: 'permission_missing', message: /reports:read is not granted to did:key:.*: no grant presented covers reports:read/
  },
  {
    name: 'delegation beyond its issuer\'s rights',
    make: async (w) => {
      const mallorys = await issueGrant(w.admin, { audience: w.mallory.id, resource: 'http:api.example.com', action: 'use', ttlMs: HOUR })
      const widened = await issueGrant(w.mallory, { audience: w.alice.id, resource: 'http:*', action: 'use', proof: mallorys })
      return await w.op({ context: { grants: [...w.grants.slice(0, 2), widened] } })
    },
    layer: 'qonsent', type: 'permission_denied', code: 'delegation_exceeds_issuer', message: /exceeds its issuer's rights: resource http:\* is not within http:api\.example\.com/
  },
  {
    name: 'grant from someone who is not an authority',
    make: async (w) => await w.op({ context: { grants: [w.grants[0], await issueGrant(w.mallory, { audience: w.alice.id, resource: '*', action: '*', ttlMs: HOUR })] } }),
    layer: 'qonsent', type: 'permission_denied', code: 'issuer_not_authorized', message: /is not an authority for \*/
  },
  {
    name: 'cross-DAO claim',
    make: async (w) => await w.op({ context: { grants: w.grants, daoSubnet: 'dao.other' } }),
    layer: 'qindex', type: 'dao_policy_violation', code: 'dao_subnet_mismatch', message: /claims DAO subnet dao\.other, but flow billing-report belongs to no subnet/
  },
  {
    name: 'oversized payload',
    make: async (w) => await w.op({ payload: { blob: 'x'.repeat(2 * 1024 * 1024) } }),
    layer: 'qerberos', type: 'resource_exhausted', code: 'payload_too_large', message: /the limit is 1048576/
  }
]

describe('rejection suite', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.layer} rejects with ${c.type}, nothing runs`, async () => {
      const w = await world()
      const op = await c.make(w)
      let ran = 0
      const indexed = w.trust.index.search({}).map(e => `${e.kind}:${e.id}`)
      const err = await runValidated(w.trust.pipeline, op, { flow: w.flow }, () => { ran++ }).catch(e => e)
      expect(ran).toBe(0)
      expect(err).toMatchObject({ name: 'ValidationFailedError', layer: c.layer, type: c.type, code: c.code, retryable: false })
      expect(err.message).toMatch(c.message)
      expect(err.message).toContain(`${c.layer} rejected operation ${op.operationId}`)
      expect(err.result).toMatchObject({ valid: false, layer: c.layer, errors: [{ code: c.code, type: c.type }] })
      const history = await w.trust.pipeline.getValidationHistory(op.operationId)
      expect(history.at(-1)).toMatchObject({ valid: false, layer: c.layer, errorType: c.type })
      expect(w.trust.index.search({}).map(e => `${e.kind}:${e.id}`)).toEqual(indexed)
    })
  }

  it('a step whose resolved URL alice holds no grant for is never dispatched', async () => {
    const w = await world()
    const op = await w.op()
    await w.trust.pipeline.validate(op, { flow: w.flow })
    let dispatched = 0
    const inner: StepDispatcher = { dispatch: async () => { dispatched++; return { output: null, logs: [] } } }
    const guarded = trustedDispatcher({ pipeline: w.trust.pipeline, dispatcher: inner, admitted: () => ({ operation: op, flow: w.flow }) })
    const post = w.flow.steps[1]
    const request = (url: string): Parameters<StepDispatcher['dispatch']>[0] =>
      ({ executionId: 'x1', flowId: w.flow.id, stepId: post.id, attempt: 1, idempotencyKey: 'x1:post:1', step: post, params: { url } })
    const signal = new AbortController().signal
    await expect(guarded.dispatch(request('https://evil.example.net/x'), { signal })).rejects.toMatchObject({ layer: 'qonsent', code: 'permission_missing', message: /http:evil\.example\.net/ })
    await expect(guarded.dispatch(request('https://hooks.example.org/done'), { signal })).resolves.toBeDefined()
    expect(dispatched).toBe(1)
    const unadmitted = trustedDispatcher({ pipeline: w.trust.pipeline, dispatcher: inner, admitted: () => undefined })
    await expect(unadmitted.dispatch(request('https://hooks.example.org/done'), { signal })).rejects.toMatchObject({ code: 'not_admitted' })
    expect(dispatched).toBe(1)
  })

  it('a host outside the allow-list is a DAO policy violation even with a grant', async () => {
    const w = await world({ allowList: { hosts: { 'qflow.action.http': ['api.example.com'] } } })
    const flow = { ...w.flow, steps: [...w.flow.steps, { id: 'x', type: 'task' as const, action: 'qflow.action.http', params: { url: 'https://cdn.example.org/a' } }] }
    const wide = await issueGrant(w.admin, { audience: w.alice.id, resource: 'http:*', action: 'use', ttlMs: HOUR }, { clock: w.clock })
    const err = await w.trust.pipeline.validate(await w.op({ context: { grants: [...w.grants, wide] } }), { flow }).catch(e => e)
    expect(err).toMatchObject({ layer: 'qerberos', type: 'dao_policy_violation', code: 'host_not_allowed', message: /may not call cdn\.example\.org: allowed hosts are api\.example\.com/ })
  })

  it('an operation signed for another target, or that dag-cbor cannot encode, is rejected at qlock', async () => {
    const w = await world()
    const op = await w.op()
    await expect(w.trust.pipeline.validate({ ...op, target: 'other-flow' }, { flow: w.flow })).rejects.toMatchObject({ layer: 'qlock', code: 'envelope_mismatch', message: /target \(other-flow\) is not the signed one/ })
    await expect(w.trust.pipeline.validate({ ...op, payload: { f: () => 1 } }, { flow: w.flow })).rejects.toMatchObject({ layer: 'qlock', code: 'operation_unencodable' })
  })

  it('a burst over the rate limit is resource_exhausted and retryable, with a delay', async () => {
    const w = await world({ rateLimit: { capacity: 2, perSecond: 1 } })
    await w.trust.pipeline.validate(await w.op(), { flow: w.flow })
    await w.trust.pipeline.validate(await w.op(), { flow: w.flow })
    const err = await w.trust.pipeline.validate(await w.op(), { flow: w.flow }).catch(e => e)
    expect(err).toMatchObject({ layer: 'qerberos', type: 'resource_exhausted', code: 'rate_limited', retryable: true, details: { retryAfterMs: 1000 } })
    await w.clock.advance(1000)
    await expect(w.trust.pipeline.validate(await w.op(), { flow: w.flow })).resolves.toMatchObject({ valid: true })
  })
})
