import { afterAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { hostAllowed } from '../../../src/sandbox/fetch-grant.js'
import { failureOf, runner } from './helpers.js'

describe('granted fetch', () => {
  const requests: Array<{ url: string, init?: RequestInit }> = []
  const stubFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    requests.push({ url: String(url), init })
    return new Response(JSON.stringify({ hello: 'guest' }), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  const host = threadSandboxHost({
    config: { allowedModules: ['*'], poolSize: 1, maxNetworkRequests: 2, network: { allowedHosts: ['api.example.com', '*.data.example'], fetch: stubFetch } }
  })
  const run = runner(host)
  afterAll(() => host.stop())

  it('performs requests to allow-listed hosts through the host', async () => {
    const { output } = await run({ code: "const r = await fetch('https://api.example.com/v1', { method: 'POST', body: '{}' }); return { status: r.status, ok: r.ok, type: r.headers.get('Content-Type'), body: await r.json() }" })
    expect(output).toEqual({ status: 200, ok: true, type: 'application/json', body: { hello: 'guest' } })
    expect(requests.at(-1)).toMatchObject({ url: 'https://api.example.com/v1', init: { method: 'POST', body: '{}', redirect: 'manual', credentials: 'omit' } })
  })

  it('refuses other hosts with PERMISSION_DENIED', async () => {
    const count = requests.length
    const err = await failureOf(run({ code: "await fetch('https://evil.example/steal')" }))
    expect(err).toMatchObject({ type: ErrorType.PERMISSION_DENIED, message: expect.stringContaining('evil.example') })
    expect((await failureOf(run({ code: "await fetch('file:///etc/passwd')" }))).type).toBe(ErrorType.PERMISSION_DENIED)
    expect(requests.length).toBe(count)
  })

  it('counts requests against maxNetworkRequests', async () => {
    const code = "for (let i = 0; i < 3; i++) await fetch('https://x.data.example/' + i)"
    expect((await failureOf(run({ code }))).type).toBe(ErrorType.RESOURCE_EXHAUSTED)
    expect((await run({ code: "await fetch('https://x.data.example/'); return 1", limits: { maxNetworkRequests: 1 } })).output).toBe(1)
    expect((await failureOf(run({ code: "await fetch('https://x.data.example/'); await fetch('https://x.data.example/')", limits: { maxNetworkRequests: 1 } }))).type)
      .toBe(ErrorType.RESOURCE_EXHAUSTED)
  })

  it('defines no fetch when a step allows no requests', async () => {
    expect((await run({ code: 'return typeof fetch', limits: { maxNetworkRequests: 0 } })).output).toBe('undefined')
  })

  it('matches hosts exactly or by subdomain wildcard', () => {
    expect(hostAllowed('api.example.com', ['api.example.com'])).toBe(true)
    expect(hostAllowed('api.example.com.evil', ['api.example.com'])).toBe(false)
    expect(hostAllowed('a.data.example', ['*.data.example'])).toBe(true)
    expect(hostAllowed('data.example', ['*.data.example'])).toBe(false)
    expect(hostAllowed('evildata.example', ['*.data.example'])).toBe(false)
  })
})
