/** Health, probes and the schema endpoint. */
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiHarness, flowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

describe('api: system', () => {
  let h: ApiHarness
  beforeEach(async () => { h = await apiHarness() })
  afterEach(async () => { await h.runtime.close() })

  it('reports system health with counts', async () => {
    await h.json('POST', '/api/v1/flows', flowDoc('Counted'))
    const res = await h.json('GET', '/api/v1/system/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', uptimeMs: expect.any(Number), flows: 1, executions: { active: 0 } })
  })

  it('answers the liveness, readiness and startup probes', async () => {
    for (const probe of ['live', 'ready', 'startup']) {
      const res = await h.json('GET', `/health/${probe}`)
      expect(res.status, probe).toBe(200)
      expect(await res.json()).toEqual({ status: 'ok' })
    }
  })

  it('is not ready when the state store does not answer', async () => {
    const store = h.runtime.store
    const broken = await apiHarness({
      store: new Proxy(store, { get: (target, key) => key === 'listExecutions' ? async () => { throw new Error('disk gone') } : Reflect.get(target, key).bind(target) })
    })
    try {
      const res = await broken.json('GET', '/health/ready')
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ status: 'unavailable', message: 'disk gone' })
      expect((await broken.json('GET', '/health/live')).status).toBe(200)
      // an unexpected failure is a logged 500 in the error shape
      const health = await broken.json('GET', '/api/v1/system/health')
      expect(health.status).toBe(500)
      expect(await health.json()).toEqual({ type: 'InternalError', message: 'internal error', path: '/api/v1/system/health' })
      expect(broken.log).toHaveBeenCalledOnce()
    } finally {
      await broken.runtime.close()
    }
  })

  it('serves the flow JSON Schema, the same as shared/flow.schema.json', async () => {
    const file = JSON.parse(readFileSync(new URL('../../../shared/flow.schema.json', import.meta.url), 'utf8'))
    const all = await (await h.json('GET', '/api/v1/schemas')).json()
    expect(all.schemas.flow).toEqual(file)
    const one = await h.json('GET', '/api/v1/schemas/flow')
    expect(one.status).toBe(200)
    expect(await one.json()).toEqual(file)
  })
})
