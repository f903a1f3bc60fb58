/**
 * Authentication (bearer tokens, signed requests), permissions (scopes, ownership, DAO
 * subnets) and the per-identity rate limit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiAuth, signRequest } from '../../../node/api/auth/index.js'
import type { ApiAuthInit } from '../../../node/api/auth/index.js'
import { trust } from '../../../src/index.js'
import { apiHarness, flowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

const OWNER = 'did:key:z6MkOwnerOwnerOwnerOwnerOwnerOwnerOwnerOwnerOwner'
const ALICE = 'did:key:z6MkAliceAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = 'did:key:z6MkBobBobBobBobBobBobBobBobBobBobBobBobBobBobBob'
const TOKENS = new Map([['owner-token', OWNER], ['alice-token', ALICE], ['bob-token', BOB]])

describe('api: auth', () => {
  let h: ApiHarness
  let time: number
  const clock = { now: () => time }
  const setup = async (init: Partial<ApiAuthInit> = {}): Promise<void> => {
    h = await apiHarness({
      auth: createApiAuth({ tokens: TOKENS, admins: [OWNER], clock, subnets: (id) => id === ALICE ? ['dao-a'] : [], ...init })
    }, { bare: true })
  }
  const as = async (token: string | undefined, method: string, path: string, body?: unknown): Promise<Response> => await h.app.request(path, {
    method,
    headers: { ...(token != null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  beforeEach(() => { time = Date.parse('2026-03-01T00:00:00Z') })
  afterEach(async () => { await h.runtime.close() })

  it('refuses mutations without credentials (401) and lets reads through', async () => {
    await setup()
    const res = await as(undefined, 'POST', '/api/v1/flows', flowDoc('Anon'))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await res.json()).toMatchObject({ type: 'UnauthorizedError', path: '/api/v1/flows' })
    expect((await as(undefined, 'GET', '/api/v1/flows')).status).toBe(200)
  })

  it('refuses unknown and malformed tokens with 401, even on reads', async () => {
    await setup()
    expect((await as('nope', 'POST', '/api/v1/flows', flowDoc('X'))).status).toBe(401)
    expect((await as('nope', 'GET', '/api/v1/flows')).status).toBe(401)
    const res = await h.app.request('/api/v1/flows', { method: 'GET', headers: { authorization: 'Basic abc' } })
    expect(res.status).toBe(401)
    expect((await res.json()).message).toMatch(/Bearer/)
  })

  it('accepts a token and makes its identity the owner of what it creates', async () => {
    await setup()
    const res = await as('alice-token', 'POST', '/api/v1/flows', flowDoc('Mine'))
    expect(res.status).toBe(201)
    expect((await res.json()).flow.owner).toBe(ALICE)
    const started = await as('alice-token', 'POST', '/api/v1/flows/mine/start', {})
    expect(started.status).toBe(201)
    const { executionId } = await started.json()
    const state = await h.runtime.engine.waitForExecution(executionId)
    expect(state.context.triggeredBy).toBe(ALICE)
  })

  it('forbids (403) writing flows owned by another identity; admins may', async () => {
    await setup()
    await as('alice-token', 'POST', '/api/v1/flows', flowDoc('Alices'))
    expect((await as('bob-token', 'DELETE', '/api/v1/flows/alices')).status).toBe(403)
    expect((await as('bob-token', 'PUT', '/api/v1/flows/alices', flowDoc('Alices', { id: 'alices' }))).status).toBe(403)
    expect((await as('bob-token', 'POST', '/api/v1/flows', flowDoc('Forged', { owner: ALICE }))).status).toBe(403)
    expect((await as('owner-token', 'DELETE', '/api/v1/flows/alices')).status).toBe(204)
  })

  it('forbids operations the identity is not granted', async () => {
    await setup({ scopes: (id) => id === BOB ? ['executions:start'] : ['flows:write', 'executions:start', 'executions:control'] })
    const res = await as('bob-token', 'POST', '/api/v1/flows', flowDoc('Nope'))
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ type: 'ForbiddenError', message: expect.stringContaining('flows:write') })
    expect((await as('alice-token', 'POST', '/api/v1/flows', flowDoc('Yes'))).status).toBe(201)
  })

  it('hides the flows and executions of a DAO subnet from non-members (404) and shows them to members', async () => {
    await setup()
    const doc = flowDoc('Subnet flow', { metadata: { tags: [], category: 'dao', visibility: 'dao-only', daoSubnet: 'dao-a', requiredPermissions: [] } })
    expect((await as('bob-token', 'POST', '/api/v1/flows', doc)).status).toBe(403) // not a member of dao-a
    expect((await as('alice-token', 'POST', '/api/v1/flows', doc)).status).toBe(201)
    const startRes = await as('alice-token', 'POST', '/api/v1/flows/subnet-flow/start', {})
    expect(startRes.status).toBe(201)
    const { executionId } = await startRes.json()
    await h.runtime.engine.waitForExecution(executionId)

    for (const who of ['bob-token', undefined]) {
      const listed = await (await as(who, 'GET', '/api/v1/flows')).json()
      expect(listed.flows.map((f: { id: string }) => f.id)).not.toContain('subnet-flow')
      const hidden = await as(who, 'GET', '/api/v1/flows/subnet-flow')
      expect(hidden.status).toBe(404)
      // exactly what an unknown id gets
      expect(await hidden.json()).toEqual({ type: 'NotFoundError', message: 'no flow with id "subnet-flow"', path: '/api/v1/flows/subnet-flow' })
      expect((await as(who, 'GET', `/api/v1/executions/${executionId}`)).status).toBe(404)
      expect((await as(who, 'GET', `/api/v1/executions/${executionId}/logs`)).status).toBe(404)
      const executions = await (await as(who, 'GET', '/api/v1/executions')).json()
      expect(executions.executions.map((e: { executionId: string }) => e.executionId)).not.toContain(executionId)
    }
    expect((await as('bob-token', 'POST', '/api/v1/flows/subnet-flow/start', {})).status).toBe(404)
    expect((await as('bob-token', 'DELETE', '/api/v1/flows/subnet-flow')).status).toBe(404)

    expect((await as('alice-token', 'GET', '/api/v1/flows/subnet-flow')).status).toBe(200)
    expect((await as('alice-token', 'GET', `/api/v1/executions/${executionId}`)).status).toBe(200)
    const mine = await (await as('alice-token', 'GET', '/api/v1/executions')).json()
    expect(mine.executions.map((e: { executionId: string }) => e.executionId)).toContain(executionId)
    expect((await as('owner-token', 'GET', '/api/v1/flows/subnet-flow')).status).toBe(200)
  })

  it('rate-limits per identity with 429 and retry-after', async () => {
    await setup({ rateLimit: { perMinute: 60, burst: 2 } })
    expect((await as('alice-token', 'GET', '/api/v1/flows')).status).toBe(200)
    expect((await as('alice-token', 'GET', '/api/v1/flows')).status).toBe(200)
    const limited = await as('alice-token', 'GET', '/api/v1/flows')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(await limited.json()).toMatchObject({ type: 'RateLimitedError' })
    expect((await as('bob-token', 'GET', '/api/v1/flows')).status).toBe(200) // another identity, another bucket
    time += 1000
    expect((await as('alice-token', 'GET', '/api/v1/flows')).status).toBe(200)
  })

  describe('signed requests', () => {
    let alice: trust.SquidIdentity
    beforeEach(async () => {
      alice = await trust.createIdentity()
    })
    const signed = async (method: string, path: string, body: string, headers: Record<string, string>): Promise<Response> =>
      await h.app.request(path, { method, body, headers: { ...headers, 'content-type': 'application/json' } })

    it('accepts a request signed by an admitted identity, once', async () => {
      await setup({ verifyIdentity: (id) => id === alice.id })
      const body = JSON.stringify(flowDoc('Signed'))
      const headers = await signRequest(alice, { method: 'POST', path: '/api/v1/flows', body }, { clock })
      const res = await signed('POST', '/api/v1/flows', body, headers)
      expect(res.status).toBe(201)
      expect((await res.json()).flow.owner).toBe(alice.id)
      const replay = await signed('POST', '/api/v1/flows', body, headers)
      expect(replay.status).toBe(401)
      expect((await replay.json()).message).toMatch(/replay/)
    })

    it('refuses altered bodies, other paths, stale timestamps and garbage with 401', async () => {
      await setup({ verifyIdentity: () => true })
      const body = JSON.stringify(flowDoc('Signed'))
      const headers = await signRequest(alice, { method: 'POST', path: '/api/v1/flows', body }, { clock })
      expect((await signed('POST', '/api/v1/flows', body.replace('Signed', 'Evil'), headers)).status).toBe(401)
      const other = await signed('PUT', '/api/v1/flows/signed', body, headers)
      expect(other.status).toBe(401)
      expect((await other.json()).message).toMatch(/another request/)
      const old = await signRequest(alice, { method: 'POST', path: '/api/v1/flows', body }, { clock: { now: () => time - 10 * 60_000 } })
      const stale = await signed('POST', '/api/v1/flows', body, old)
      expect(stale.status).toBe(401)
      expect((await stale.json()).message).toMatch(/skew/)
      for (const garbage of ['%%%', 'AAAA', Buffer.from('{"a":1}').toString('base64')]) {
        expect((await signed('POST', '/api/v1/flows', body, { 'x-qflow-signature': garbage })).status).toBe(401)
      }
    })

    it('forbids (403) a valid signer that is not admitted', async () => {
      await setup()
      const body = JSON.stringify(flowDoc('Signed'))
      const res = await signed('POST', '/api/v1/flows', body, await signRequest(alice, { method: 'POST', path: '/api/v1/flows', body }, { clock }))
      expect(res.status).toBe(403)
      expect((await res.json()).message).toMatch(/not admitted/)
    })
  })

  it('leaves webhooks to their own authentication', async () => {
    await setup()
    await as('owner-token', 'POST', '/api/v1/flows', {
      ...flowDoc('Hook'),
      steps: [
        { id: 'in', type: 'event-trigger', action: 'qflow.trigger.webhook', params: {} },
        { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { ok: true } } }
      ]
    })
    const res = await h.app.request('/api/v1/webhooks/hook', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(202)
  })

  it('can refuse anonymous reads, except probes, metrics and the API documents', async () => {
    await setup({ anonymousReads: false })
    expect((await as(undefined, 'GET', '/api/v1/flows')).status).toBe(401)
    expect((await as(undefined, 'GET', '/api/v1/executions')).status).toBe(401)
    expect((await as('bob-token', 'GET', '/api/v1/flows')).status).toBe(200)
    for (const open of ['/health/live', '/metrics', '/api/v1/openapi.json', '/api/v1/docs']) {
      expect((await as(undefined, 'GET', open)).status, open).toBe(200)
    }
  })

  it('shows webhook secrets only to those who manage the flow (flows, logs)', async () => {
    await setup()
    const secret = 'a-secret-of-at-least-16-chars'
    const doc = {
      ...flowDoc('Hooked'),
      steps: [
        { id: 'in', type: 'event-trigger', action: 'qflow.trigger.webhook', params: { auth: { type: 'hmac', secret } } },
        { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: {} } }
      ]
    }
    expect((await as('alice-token', 'POST', '/api/v1/flows', doc)).status).toBe(201)
    const { executionId } = await (await as('alice-token', 'POST', '/api/v1/flows/hooked/start', {})).json()
    await h.runtime.engine.waitForExecution(executionId)
    for (const who of ['bob-token', undefined]) {
      for (const path of ['/api/v1/flows/hooked', '/api/v1/flows', `/api/v1/executions/${executionId}/logs`]) {
        const text = await (await as(who, 'GET', path)).text()
        expect(text, `${who} ${path}`).not.toContain(secret)
        expect(text, `${who} ${path}`).toContain('[redacted]')
      }
    }
    expect((await (await as('alice-token', 'GET', '/api/v1/flows/hooked')).json()).flow.steps[0].params.auth.secret).toBe(secret)
    expect(await (await as('owner-token', 'GET', `/api/v1/executions/${executionId}/logs`)).text()).toContain(secret)
  })
})
