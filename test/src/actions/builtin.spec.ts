import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flow, run, task, testEngine } from '../../fixtures/engine.js'

describe('sandboxed actions without a sandbox', () => {
  it('fail with a clear execution_error and never evaluate the code on the host', async () => {
    const { engine } = testEngine()
    const g = globalThis as { qflowPwned?: boolean }
    const state = await run(engine, flow([task('fn', 'qflow.action.function', { code: 'globalThis.qflowPwned = true; return 1' })]))
    expect(state.status).toBe('failed')
    expect(state.error).toMatchObject({ type: 'execution_error', retryable: false })
    expect(state.error?.message).toMatch(/needs the WASM sandbox/)
    expect(g.qflowPwned).toBeUndefined()
    const wasm = await run(engine, flow([task('w', 'qflow.action.wasm', { module: 'bafy-something' })]))
    expect(wasm.error?.message).toMatch(/qflow.action.wasm needs the WASM sandbox/)
  })
})

describe('qflow.action.http', () => {
  let base = ''
  const seen: Array<{ method?: string, url?: string, body: string, key?: string }> = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += String(c) })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body, key: req.headers['idempotency-key'] as string })
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ echo: body === '' ? null : JSON.parse(body) }))
      } else if (req.url === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end('plain')
      } else if (req.url === '/slow') {
        // never answers: the step timeout must end it
      } else {
        res.writeHead(503)
        res.end('down')
      }
    })
  })
  beforeAll(async () => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => { resolve() }))
  })

  it('sends JSON, parses a JSON response and passes the idempotency key', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('call', 'qflow.action.http', { url: `${base}/json`, method: 'POST', body: { n: '${input.n}' } })]), { n: 5 })
    expect(state.status).toBe('completed')
    expect(state.output).toMatchObject({ status: 200, body: { echo: { n: 5 } } })
    expect(seen.at(-1)?.key).toBe(`${state.executionId}:call:1`)
  })

  it('returns text bodies as text', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('call', 'qflow.action.http', { url: `${base}/text` })]))
    expect(state.output).toMatchObject({ status: 200, body: 'plain' })
  })

  it('fails on a 5xx with a retryable network_error carrying the response', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('call', 'qflow.action.http', { url: `${base}/down` })]))
    expect(state.error).toMatchObject({ type: 'network_error', retryable: true, details: { status: 503, body: 'down' } })
  })

  it('stops a slow request at timeoutMs with timeout_error', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('call', 'qflow.action.http', { url: `${base}/slow`, timeoutMs: 100 })]))
    expect(state.error?.type).toBe('timeout_error')
  })

  it('reports a refused connection as network_error', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('call', 'qflow.action.http', { url: 'http://127.0.0.1:1/' })]))
    expect(state.error?.type).toBe('network_error')
  })
})
