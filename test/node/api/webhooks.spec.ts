/** Webhooks: input, asynchronous and synchronous answers, per-flow token and HMAC auth. */
import { createHmac } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiHarness } from './setup.js'
import type { ApiHarness } from './setup.js'

const SECRET = 'a-secret-of-at-least-16-chars'

function hookDoc (id: string, trigger: Record<string, unknown>, output: unknown, extraSteps: unknown[] = []): Record<string, unknown> {
  return {
    id,
    name: id,
    steps: [
      { id: 'in', type: 'event-trigger', action: 'qflow.trigger.webhook', params: trigger },
      ...extraSteps,
      { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output } }
    ],
    metadata: { tags: [], category: 'hooks', visibility: 'public', requiredPermissions: [] }
  }
}

describe('api: webhooks', () => {
  let h: ApiHarness
  beforeEach(async () => { h = await apiHarness() })
  afterEach(async () => { await h.runtime.close() })

  const create = async (doc: Record<string, unknown>): Promise<void> => {
    const res = await h.json('POST', '/api/v1/flows', doc)
    expect(res.status, await res.clone().text()).toBe(201)
  }
  const hook = async (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    await h.app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })

  it('starts the flow with { body, query, headers } and answers 202 { executionId }', async () => {
    await create(hookDoc('echo', {}, { got: '${input}' }))
    const res = await hook('/api/v1/webhooks/echo?a=1&a=2&b=x', '{"n":5}', { 'x-custom': 'yes' })
    expect(res.status).toBe(202)
    const { executionId } = await res.json()
    const state = await h.runtime.engine.waitForExecution(executionId)
    expect(state.context.triggerType).toBe('webhook')
    expect(state.output).toMatchObject({ got: { body: { n: 5 }, query: { a: ['1', '2'], b: 'x' }, headers: { 'x-custom': 'yes', 'content-type': 'application/json' } } })
  })

  it('answers with the output when ?wait=true, and with the response the flow sets', async () => {
    await create(hookDoc('sum', {}, { total: '${input.body.a + input.body.b}' }))
    const plain = await hook('/api/v1/webhooks/sum?wait=true', '{"a":2,"b":3}')
    expect(plain.status).toBe(200)
    expect(await plain.json()).toEqual({ total: 5 })
    expect(plain.headers.get('x-qflow-execution-id')).toMatch(/.+/)

    await create(hookDoc('created', { respond: 'onComplete' }, { status: 201, body: 'made ${input.body.name}', headers: { 'x-made': 'yes', 'content-length': '999' } }))
    const res = await hook('/api/v1/webhooks/created', '{"name":"it"}')
    expect(res.status).toBe(201)
    expect(res.headers.get('x-made')).toBe('yes')
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await res.text()).toBe('made it')
    // ?wait=false overrides respond: onComplete
    expect((await hook('/api/v1/webhooks/created?wait=false', '{"name":"it"}')).status).toBe(202)
  })

  it('answers 502 naming the execution when the flow fails', async () => {
    await create(hookDoc('broken', { respond: 'onComplete' }, {}, [
      { id: 'boom', type: 'task', action: 'qflow.action.fail', params: { message: 'nope' } }
    ]))
    const res = await hook('/api/v1/webhooks/broken', '{}')
    expect(res.status).toBe(502)
    const body = await res.json()
    expect(body).toMatchObject({ type: 'ExecutionFailedError', executionId: expect.any(String) })
    expect(body.message).toMatch(/failed: nope/)
  })

  it('checks a secret token (header or ?token=) and keeps it out of the input', async () => {
    await create(hookDoc('guarded', { auth: { type: 'token', token: SECRET }, respond: 'onComplete' }, { q: '${input.query}', h: '${input.headers}' }))
    expect((await hook('/api/v1/webhooks/guarded', '{}')).status).toBe(401)
    const wrong = await hook('/api/v1/webhooks/guarded', '{}', { 'x-qflow-webhook-token': 'wrong' })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ type: 'UnauthorizedError', message: 'wrong webhook token' })
    const ok = await hook('/api/v1/webhooks/guarded', '{}', { 'x-qflow-webhook-token': SECRET })
    expect(ok.status).toBe(200)
    expect(JSON.stringify(await ok.json())).not.toContain(SECRET)
    const viaQuery = await hook(`/api/v1/webhooks/guarded?token=${SECRET}&keep=1`, '{}')
    expect(viaQuery.status).toBe(200)
    expect((await viaQuery.json()).q).toEqual({ keep: '1' })
  })

  it('checks an HMAC-SHA256 signature of the raw body', async () => {
    await create(hookDoc('signed', { auth: { type: 'hmac', secret: SECRET }, respond: 'onComplete' }, { ok: true }))
    const body = '{"amount":10}'
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
    expect((await hook('/api/v1/webhooks/signed', body, { 'x-qflow-webhook-signature': sig })).status).toBe(200)
    expect((await hook('/api/v1/webhooks/signed', '{"amount":99}', { 'x-qflow-webhook-signature': sig })).status).toBe(401)
    expect((await hook('/api/v1/webhooks/signed', body)).status).toBe(401)
    expect((await hook('/api/v1/webhooks/signed', body, { 'x-qflow-webhook-signature': 'md5=abc' })).status).toBe(401)
    await create(hookDoc('github', { auth: { type: 'hmac', secret: SECRET, header: 'x-hub-signature-256' }, respond: 'onComplete' }, { ok: true }))
    expect((await hook('/api/v1/webhooks/github', body, { 'x-hub-signature-256': sig })).status).toBe(200)
  })

  it('refuses misconfigured webhook triggers when the flow is saved, naming the path', async () => {
    const res = await h.json('POST', '/api/v1/flows', hookDoc('bad', { auth: { type: 'hmac', secret: 'short' }, respond: 'later' }, {}))
    expect(res.status).toBe(400)
    const paths = (await res.json()).errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['steps[0].params.auth.secret', 'steps[0].params.respond']))
  })

  it('answers 404 for unknown flows and flows without a webhook trigger, 400 for a bad body or wait', async () => {
    expect((await hook('/api/v1/webhooks/nope', '{}')).status).toBe(404)
    await h.json('POST', '/api/v1/flows', { ...hookDoc('manual', {}, {}), steps: [{ id: 's', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} }] })
    const manual = await hook('/api/v1/webhooks/manual', '{}')
    expect(manual.status).toBe(404)
    expect((await manual.json()).message).toMatch(/no webhook/)
    await create(hookDoc('open', {}, {}))
    const bad = await hook('/api/v1/webhooks/open', '{"a":')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ path: 'body' })
    expect((await hook('/api/v1/webhooks/open?wait=maybe', '{}')).status).toBe(400)
    expect(h.log).not.toHaveBeenCalled()
  })

  it('applies the body limit to webhooks (413)', async () => {
    const small = await apiHarness({ maxBodyBytes: 64 })
    try {
      // the limit applies before routing: nothing of the flow is looked up for an oversized body
      const res = await small.app.request('/api/v1/webhooks/tiny', { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(100) }), headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(413)
      expect(await res.json()).toMatchObject({ type: 'PayloadTooLargeError' })
    } finally {
      await small.runtime.close()
    }
  })
})
