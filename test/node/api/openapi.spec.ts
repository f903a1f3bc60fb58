/** The OpenAPI document covers every route; the reference page is generated from it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flowJsonSchema } from '../../../shared/flow-schema-json.js'
import { apiHarness } from './setup.js'
import type { ApiHarness } from './setup.js'

describe('api: openapi', () => {
  let h: ApiHarness
  beforeAll(async () => { h = await apiHarness() })
  afterAll(async () => { await h.runtime.close() })

  it('documents every registered route with its method', async () => {
    const res = await h.json('GET', '/api/v1/openapi.json')
    expect(res.status).toBe(200)
    const doc = await res.json()
    expect(doc.openapi).toBe('3.1.0')
    const routes = h.app.routes.filter(r => r.method !== 'ALL')
    expect(routes.length).toBeGreaterThan(20)
    const missing = routes
      .map(r => ({ method: r.method.toLowerCase(), path: r.path.replace(/\/$/, '').replace(/:([A-Za-z]+)/g, '{$1}') }))
      .filter(r => doc.paths[r.path]?.[r.method] == null)
    expect(missing).toEqual([])
  })

  it('takes the flow document schema from the zod schemas', async () => {
    const doc = await (await h.json('GET', '/api/v1/openapi.json')).json()
    expect(doc.components.schemas.FlowDefinition).toEqual(JSON.parse(JSON.stringify(flowJsonSchema())))
    expect(doc.components.schemas.StartBody.properties).toHaveProperty('inputData')
    expect(doc.components.schemas.TriggerBody.required).toEqual(['event'])
    expect(doc.paths['/api/v1/flows'].post.requestBody.content).toHaveProperty('application/yaml')
  })

  it('serves a self-contained reference page listing every operation', async () => {
    const res = await h.json('GET', '/api/v1/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    // nothing is loaded from elsewhere (URLs may appear as text, e.g. a JSON Schema $schema)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\(/)
    const doc = await (await h.json('GET', '/api/v1/openapi.json')).json()
    for (const path of Object.keys(doc.paths)) expect(html, path).toContain(path.replace(/&/g, '&amp;'))
    expect(html).toContain('id="schema-FlowDefinition"')
  })
})
