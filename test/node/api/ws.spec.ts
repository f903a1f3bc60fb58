/** WebSocket streams through a real server on an ephemeral loopback port (`serveApi`), `ws` client. */
import { afterEach, describe, expect, it } from 'vitest'
import { createApiAuth } from '../../../node/api/auth/index.js'
import { serveApi } from '../../../node/api/serve.js'
import type { ApiServer } from '../../../node/api/serve.js'
import { apiHarness, flowDoc, nextWait, waitingFlowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'
import { connect } from './ws-client.js'

async function refused (url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const c = await connect(url, headers)
    c.ws.close()
    return 101
  } catch (err) {
    return (err as { status: number }).status
  }
}

describe('api: websocket streams', () => {
  let h: ApiHarness
  let server: ApiServer
  let ws: string
  const start = async (...args: Parameters<typeof apiHarness>): Promise<void> => {
    h = await apiHarness(...args)
    server = await serveApi({ app: h.app, port: 0 })
    ws = server.url.replace(/^http/, 'ws')
  }
  afterEach(async () => {
    await server.close()
    await h.runtime.close()
  })

  it('serves on 127.0.0.1 with the REST API too', async () => {
    await start()
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.port).toBeGreaterThan(0)
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200)
    const res = await fetch(`${server.url}/ws/system/metrics`)
    expect(res.status).toBe(426)
    expect(await res.json()).toMatchObject({ type: 'UpgradeRequiredError' })
  })

  it('streams an execution\'s log, its live events, then the end, then closes', async () => {
    await start()
    await h.json('POST', '/api/v1/flows', waitingFlowDoc('waiter'))
    const waiting = nextWait(h, 'waiter')
    const { executionId } = await (await h.json('POST', '/api/v1/flows/waiter/start', {})).json()
    await waiting
    const client = await connect(`${ws}/ws/executions/${executionId}`)
    await client.next(m => m.event?.type === 'event.waiting')
    expect((await h.json('POST', '/api/v1/flows/waiter/trigger', { event: 'go', payload: { n: 1 } })).status).toBe(200)
    const end = await client.next(m => m.type === 'end')
    expect(end).toEqual({ type: 'end', status: 'completed' })
    expect((await client.closed).code).toBe(1000)
    const events = client.messages.filter(m => m.type === 'event')
    expect(events.map(m => m.index)).toEqual(events.map((_, i) => i))
    expect(events.map(m => m.event)).toEqual(await h.runtime.engine.getLog(executionId))
  })

  it('replays a finished execution and closes; unknown ids are refused with 404', async () => {
    await start()
    await h.json('POST', '/api/v1/flows', flowDoc('Greeter'))
    const { executionId } = await (await h.json('POST', '/api/v1/flows/greeter/start', { inputData: { name: 'x' } })).json()
    await h.runtime.engine.waitForExecution(executionId)
    const client = await connect(`${ws}/ws/executions/${executionId}`)
    expect((await client.closed).code).toBe(1000)
    expect(client.messages.at(-1)).toEqual({ type: 'end', status: 'completed' })
    expect(client.messages.filter(m => m.type === 'event')).toHaveLength((await h.runtime.engine.getLog(executionId)).length)
    expect(await refused(`${ws}/ws/executions/nope`)).toBe(404)
  })

  it('sends system metrics periodically and refuses a bad interval', async () => {
    await start()
    const client = await connect(`${ws}/ws/system/metrics?intervalMs=100`)
    const first = await client.next(m => m.type === 'metrics')
    expect(first.metrics.executions).toMatchObject({ started: expect.any(Number) })
    await client.next(m => m.type === 'metrics' && m !== first)
    client.ws.close()
    await client.closed
    expect(await refused(`${ws}/ws/system/metrics?intervalMs=5`)).toBe(400)
  })

  it('streams a DAO subnet\'s events to its members only', async () => {
    const TOKENS = new Map([['alice', 'did:key:z6MkAlice'], ['bob', 'did:key:z6MkBob']])
    await start({ auth: createApiAuth({ tokens: TOKENS, subnets: id => id === 'did:key:z6MkAlice' ? ['dao-a'] : [] }) }, { bare: true })
    expect(await refused(`${ws}/ws/dao/dao-a/events`)).toBe(401)
    expect(await refused(`${ws}/ws/dao/dao-a/events`, { authorization: 'Bearer bob' })).toBe(403)
    expect(await refused(`${ws}/ws/dao/dao-a/events?access_token=wrong`)).toBe(401)
    const client = await connect(`${ws}/ws/dao/dao-a/events?access_token=alice`)
    const auth = { authorization: 'Bearer alice', 'content-type': 'application/json' }
    const post = async (path: string, body: unknown): Promise<any> => await (await h.app.request(path, { method: 'POST', body: JSON.stringify(body), headers: auth })).json()
    await post('/api/v1/flows', flowDoc('Outside'))
    await post('/api/v1/flows', flowDoc('Inside', { metadata: { tags: [], category: 'dao', visibility: 'dao-only', daoSubnet: 'dao-a', requiredPermissions: [] } }))
    const outside = (await post('/api/v1/flows/outside/start', {})).executionId
    await h.runtime.engine.waitForExecution(outside)
    const inside = (await post('/api/v1/flows/inside/start', {})).executionId
    await h.runtime.engine.waitForExecution(inside)
    const last = (await h.runtime.engine.getLog(inside)).length - 1
    await client.next(m => m.executionId === inside && m.index === last)
    expect(client.messages.every(m => m.executionId === inside && m.flowId === 'inside')).toBe(true)
    expect(client.messages.map(m => m.index)).toEqual([...Array(last + 1).keys()])
  })

  it('close() closes open WebSockets too', async () => {
    await start()
    const client = await connect(`${ws}/ws/system/metrics`)
    await server.close()
    expect((await client.closed).code).toBeGreaterThan(0)
  })
})
