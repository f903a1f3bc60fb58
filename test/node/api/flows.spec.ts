/**
 * `/api/v1/flows` through `app.request()` against a real engine: create (JSON and YAML),
 * list with filters, get, update, delete, and every way a body can be wrong.
 */
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiHarness, flowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

const helloYaml = readFileSync(new URL('../../../shared/examples/hello-world.yaml', import.meta.url), 'utf8')

describe('api: flows', () => {
  let h: ApiHarness
  beforeEach(async () => { h = await apiHarness() })
  afterEach(async () => {
    expect(h.log).not.toHaveBeenCalled()
    await h.runtime.close()
  })

  it('creates a flow from JSON, applies and reports the defaults', async () => {
    const res = await h.json('POST', '/api/v1/flows', flowDoc('Greeter'))
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.flow).toMatchObject({ id: 'greeter', name: 'Greeter', version: '1.0.0', owner: 'local' })
    expect(body.defaults.map((d: { field: string }) => d.field)).toEqual(['id', 'version', 'owner', 'createdAt', 'updatedAt'])
    expect(body.version).toMatchObject({ flowId: 'greeter', versionId: expect.any(String) })
    expect(await h.runtime.store.getFlow('greeter')).toEqual(body.flow)
  })

  it('creates a flow from YAML (the hello-world example)', async () => {
    const res = await h.text('POST', '/api/v1/flows', helloYaml, 'application/yaml')
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.flow.id).toBe('hello-world')
    expect(body.flow.steps).toHaveLength(4)
  })

  it('sniffs the format when the content-type is missing or text/plain', async () => {
    expect((await h.text('POST', '/api/v1/flows', helloYaml, 'text/plain')).status).toBe(201)
    expect((await h.text('POST', '/api/v1/flows', JSON.stringify(flowDoc('Sniffed')))).status).toBe(201)
  })

  it('refuses to create a flow whose id exists (409) and an unsupported media type (415)', async () => {
    await h.json('POST', '/api/v1/flows', flowDoc('Twice'))
    const again = await h.json('POST', '/api/v1/flows', flowDoc('Twice'))
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ type: 'FlowExistsError' })
    const form = await h.text('POST', '/api/v1/flows', 'a=1', 'application/x-www-form-urlencoded')
    expect(form.status).toBe(415)
    expect(await form.json()).toMatchObject({ type: 'UnsupportedMediaTypeError' })
  })

  it('answers 400 for an invalid flow, listing every path', async () => {
    const doc = flowDoc('Broken', {
      steps: [
        { id: 'a', type: 'task', action: 'qflow.action.nope', params: {} },
        { id: 'b', type: 'teleport', action: 'qflow.action.log', params: {}, retryPolicy: { maxAttempts: 0 } }
      ],
      metadata: { tags: 'x', category: 'c', visibility: 'public', requiredPermissions: [] }
    })
    const res = await h.json('POST', '/api/v1/flows', doc)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.type).toBe('InvalidFlowError')
    const paths = body.errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['steps[0].action', 'steps[1].type', 'steps[1].retryPolicy.maxAttempts', 'metadata.tags']))
    expect(body.path).toBe(body.errors[0].path)
  })

  it('answers 400 for a document that is not an object', async () => {
    for (const doc of [[1, 2], 'text', 42, null]) {
      const res = await h.json('POST', '/api/v1/flows', doc)
      expect(res.status).toBe(400)
      expect((await res.json()).type).toBe('InvalidFlowError')
    }
  })

  it('answers 400 with line and column for malformed JSON and YAML', async () => {
    const json = await h.text('POST', '/api/v1/flows', '{\n  "name": "x",\n  "steps": [1,]\n}', 'application/json')
    expect(json.status).toBe(400)
    expect(await json.json()).toMatchObject({ type: 'FlowSyntaxError', path: '(root)', line: 3, column: 15 })
    const yaml = await h.text('POST', '/api/v1/flows', 'name: x\nsteps:\n  - id: a\n   bad: [\n', 'application/yaml')
    expect(yaml.status).toBe(400)
    const body = await yaml.json()
    expect(body).toMatchObject({ type: 'FlowSyntaxError', line: expect.any(Number), column: expect.any(Number) })
    expect(body.line).toBeGreaterThan(1)
    const dup = await h.text('POST', '/api/v1/flows', '{"name":"a","name":"b"}', 'application/json')
    expect(await dup.json()).toMatchObject({ type: 'FlowSyntaxError', line: 1, column: 13 })
  })

  it('answers 413 for a body over the limit', async () => {
    const small = await apiHarness({ maxBodyBytes: 1024 })
    try {
      const res = await small.json('POST', '/api/v1/flows', flowDoc('Big', { description: 'x'.repeat(2000) }))
      expect(res.status).toBe(413)
      expect(await res.json()).toMatchObject({ type: 'PayloadTooLargeError', path: '/api/v1/flows' })
      // the default limit is 1 MiB
      const huge = await h.json('POST', '/api/v1/flows', flowDoc('Huge', { description: 'x'.repeat(1024 * 1024) }))
      expect(huge.status).toBe(413)
      // a declared content-length over the limit is refused without reading
      const declared = await small.app.request('/api/v1/flows', { method: 'POST', body: 'x'.repeat(2048), headers: { 'content-length': '2048', 'content-type': 'application/json' } })
      expect(declared.status).toBe(413)
    } finally {
      await small.runtime.close()
    }
  })

  it('refuses documents nested deeper than the limit, in JSON and YAML', async () => {
    const n = 100_000
    const deepJson = `{"name":"Deep","params":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`
    const json = await h.text('POST', '/api/v1/flows', deepJson, 'application/json')
    expect(json.status).toBe(400)
    expect(await json.json()).toMatchObject({ type: 'InvalidRequestError', path: '(root)' })
    const deepYaml = `name: Deep\nparams: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`
    const yaml = await h.text('POST', '/api/v1/flows', deepYaml, 'application/yaml')
    expect(yaml.status).toBe(400)
    const start = await h.text('POST', '/api/v1/flows/x/start', `{"inputData":${'['.repeat(n)}${']'.repeat(n)}}`, 'application/json')
    expect(start.status).toBe(400)
  })

  it('lists flows, filtered by tag, category, owner and visibility', async () => {
    await h.json('POST', '/api/v1/flows', flowDoc('One', { metadata: { tags: ['a', 'b'], category: 'x', visibility: 'public', requiredPermissions: [] } }))
    await h.json('POST', '/api/v1/flows', flowDoc('Two', { owner: 'did:key:bob', metadata: { tags: ['b'], category: 'y', visibility: 'private', requiredPermissions: [] } }))
    const ids = async (query: string): Promise<string[]> => {
      const res = await h.json('GET', `/api/v1/flows${query}`)
      expect(res.status).toBe(200)
      return (await res.json()).flows.map((f: { id: string }) => f.id)
    }
    expect(await ids('')).toEqual(['one', 'two'])
    expect(await ids('?tag=a')).toEqual(['one'])
    expect(await ids('?tag=b')).toEqual(['one', 'two'])
    expect(await ids('?category=y')).toEqual(['two'])
    expect(await ids('?owner=did:key:bob')).toEqual(['two'])
    expect(await ids('?visibility=public')).toEqual(['one'])
    expect(await ids('?tag=b&visibility=private')).toEqual(['two'])
    expect(await ids('?tag=zzz')).toEqual([])
    const bad = await h.json('GET', '/api/v1/flows?visibility=secret')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ type: 'InvalidRequestError', path: 'visibility' })
    expect((await h.json('GET', '/api/v1/flows?colour=red')).status).toBe(400)
  })

  it('gets, updates and deletes a flow', async () => {
    const created = (await (await h.json('POST', '/api/v1/flows', flowDoc('Editable'))).json()).flow
    const got = await h.json('GET', '/api/v1/flows/editable')
    expect(got.status).toBe(200)
    const body = await got.json()
    expect(body.flow).toEqual(created)
    expect(body.versions).toHaveLength(1)

    const put = await h.json('PUT', '/api/v1/flows/editable', flowDoc('Editable', { description: 'now described', version: '1.1.0' }))
    expect(put.status).toBe(200)
    const updated = (await put.json()).flow
    expect(updated).toMatchObject({ id: 'editable', description: 'now described', version: '1.1.0', createdAt: created.createdAt })
    expect((await (await h.json('GET', '/api/v1/flows/editable')).json()).versions).toHaveLength(2)

    const del = await h.json('DELETE', '/api/v1/flows/editable')
    expect(del.status).toBe(204)
    expect((await h.json('GET', '/api/v1/flows/editable')).status).toBe(404)
    expect((await h.json('DELETE', '/api/v1/flows/editable')).status).toBe(404)
  })

  it('takes the id of a PUT from the URL and refuses a different one', async () => {
    await h.json('POST', '/api/v1/flows', flowDoc('Named'))
    const other = await h.json('PUT', '/api/v1/flows/named', flowDoc('Named', { id: 'other' }))
    expect(other.status).toBe(400)
    expect(await other.json()).toMatchObject({ type: 'InvalidRequestError', path: 'id' })
    const invalid = await h.json('PUT', '/api/v1/flows/named', { name: 'Named', steps: [] })
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ type: 'InvalidFlowError' })
  })

  it('answers 404 for unknown flows and routes, in the error shape', async () => {
    for (const [method, path] of [['GET', '/api/v1/flows/nope'], ['PUT', '/api/v1/flows/nope'], ['DELETE', '/api/v1/flows/nope'], ['GET', '/api/v1/nothing']] as const) {
      const res = await h.json(method, path, method === 'PUT' ? flowDoc('Nope') : undefined)
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ type: 'NotFoundError', message: expect.any(String), path: expect.any(String) })
    }
  })
})
