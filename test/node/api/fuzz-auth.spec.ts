/**
 * Property-based fuzzing of the endpoints added with auth: webhooks (random bodies,
 * content-types, queries, token and signature headers, flow-set responses), random
 * credentials on every route, the WebSocket routes without a socket, docs and metrics.
 * Never a 500 (nor a logged internal error). Runs are bounded.
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiAuth, signRequest } from '../../../node/api/auth/index.js'
import { daoViewOf } from '../../../node/api/routes/dao.js'
import { trust } from '../../../src/index.js'
import { apiHarness, flowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

const RUNS = 150
const SECRET = 'fuzzing-secret-0123456789'
const hook = (id: string, params: Record<string, unknown>, output: unknown): Record<string, unknown> => ({
  id,
  name: id,
  steps: [
    { id: 'in', type: 'event-trigger', action: 'qflow.trigger.webhook', params },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output } }
  ],
  metadata: { tags: [], category: 'fuzz', visibility: 'public', requiredPermissions: [] }
})

describe('api: fuzz (auth, webhooks, streams)', () => {
  let h: ApiHarness
  let signer: trust.SquidIdentity
  beforeAll(async () => {
    signer = await trust.createIdentity()
    h = await apiHarness({
      auth: createApiAuth({ tokens: new Map([['good', 'did:key:z6MkGood']]), admins: ['did:key:z6MkGood'], verifyIdentity: () => true, rateLimit: { perMinute: 1e9 } }),
      dao: daoViewOf({ dao: trust.daoRegistry(await trust.signatureVerifier()) })
    }, { bare: true })
    const headers = { authorization: 'Bearer good', 'content-type': 'application/json' }
    for (const doc of [
      flowDoc('Greeter'),
      hook('echo', { respond: 'onComplete' }, '${input.body}'),
      hook('async', {}, { ok: true }),
      hook('token', { auth: { type: 'token', token: SECRET } }, { ok: true }),
      hook('hmac', { auth: { type: 'hmac', secret: SECRET }, respond: 'onComplete' }, '${input}')
    ]) {
      const res = await h.app.request('/api/v1/flows', { method: 'POST', body: JSON.stringify(doc), headers })
      expect(res.status, await res.clone().text()).toBe(201)
    }
  })
  afterAll(async () => { await h.runtime.close() })

  const value = fc.jsonValue({ maxDepth: 4 })
  const responseLike = fc.record({
    status: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.constantFrom(200, 201, 204, 304, 404, 500, 599), value),
    body: value,
    headers: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string({ maxLength: 20 }), value), { maxKeys: 3 }), value)
  }, { requiredKeys: [] })
  const body = fc.oneof(
    value.map(v => JSON.stringify(v)),
    responseLike.map(v => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.constantFrom('', '{', '[', 'a=1&a=2&b', '\uFEFF{}', '1e999', '{"__proto__": {"x": 1}}')
  )
  const contentType = fc.constantFrom<string | undefined>(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data', 'application/vnd.x+json', '')
  const query = fc.oneof(
    fc.constantFrom('', '?wait=true', '?wait=false', '?wait=maybe', `?token=${SECRET}`, '?token=wrong', '?wait=true&wait=false', '?%', '?token'),
    fc.string({ maxLength: 30 }).map(s => `?${encodeURIComponent(s)}=${s}`)
  )
  const flowId = fc.oneof(
    { arbitrary: fc.constantFrom('echo', 'async', 'token', 'hmac', 'greeter'), weight: 4 },
    fc.constantFrom('nope', '%', '__proto__', 'a%2Fb'),
    fc.string({ maxLength: 20 }).map(encodeURIComponent)
  )

  const call = async (method: string, path: string, text: string | undefined, headers: Record<string, string>): Promise<number> => {
    const res = await h.app.request(path, { method, ...(text != null ? { body: text } : {}), headers })
    // 502/504 are the webhook's execution failing or running late; a flow may also answer any status itself
    const flowSet = res.headers.has('x-qflow-execution-id')
    if (res.status >= 500 && res.status !== 502 && res.status !== 504 && !flowSet) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`)
    await res.arrayBuffer()
    return res.status
  }

  it('never answers 500 on webhooks', async () => {
    await fc.assert(fc.asyncProperty(flowId, body, contentType, query, fc.constantFrom('none', 'token', 'hmac-good', 'hmac-bad', 'junk'),
      async (id, text, type, q, creds) => {
        const headers: Record<string, string> = type != null ? { 'content-type': type } : {}
        if (creds === 'token') headers['x-qflow-webhook-token'] = SECRET
        if (creds === 'hmac-good') headers['x-qflow-webhook-signature'] = `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}`
        if (creds === 'hmac-bad') headers['x-qflow-webhook-signature'] = 'sha256=00'
        if (creds === 'junk') headers['x-qflow-webhook-signature'] = text.slice(0, 50).replace(/[^\x20-\x7e]/g, '')
        await call('POST', `/api/v1/webhooks/${id}${q}`, text, headers)
      }
    ), { numRuns: RUNS })
    expect(h.log).not.toHaveBeenCalled()
  })

  it('never answers 500 for random credentials on any route', async () => {
    const header = fc.oneof(
      fc.constantFrom('Bearer good', 'Bearer bad', 'Bearer ', 'Basic x', 'bearer good', 'Bearer good extra', ''),
      fc.string({ maxLength: 60 }).map(s => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`)
    )
    const signature = fc.oneof(
      fc.constantFrom(undefined, '', 'AAAA', '%%%', 'oWF4AQ==', 'x'.repeat(5000)),
      fc.string({ maxLength: 80 }).map(s => Buffer.from(s).toString('base64')),
      fc.constant('SIGNED')
    )
    const route = fc.constantFrom('GET /api/v1/flows', 'POST /api/v1/flows', 'GET /api/v1/flows/greeter', 'PUT /api/v1/flows/greeter', 'DELETE /api/v1/flows/nope',
      'POST /api/v1/flows/greeter/start', 'GET /api/v1/executions', 'GET /api/v1/executions/nope', 'POST /api/v1/executions/nope/abort',
      'GET /ws/executions/nope', 'GET /ws/system/metrics', 'GET /ws/dao/x/events', 'GET /api/v1/openapi.json', 'GET /metrics', 'GET /api/v1/system/metrics',
      'GET /api/v1/dao/subnets', 'GET /api/v1/dao/subnets/x')
    await fc.assert(fc.asyncProperty(route, fc.option(header, { nil: undefined }), signature, body, fc.boolean(),
      async (r, auth, sig, text, upgrade) => {
        const [method, path] = r.split(' ')
        const sent = method === 'GET' || method === 'DELETE' ? undefined : text
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (auth != null) headers.authorization = auth
        if (sig === 'SIGNED') Object.assign(headers, await signRequest(signer, { method, path, body: sent ?? '' }))
        else if (sig != null) headers['x-qflow-signature'] = sig
        if (upgrade) Object.assign(headers, { upgrade: 'websocket', connection: 'Upgrade' })
        await call(method, path, sent, headers)
      }
    ), { numRuns: RUNS })
    expect(h.log).not.toHaveBeenCalled()
  })
})
