/**
 * `/ws/dao/:daoId/events` with a remote source (the network's execution-event gossip): other
 * nodes' monitoring events of the subnet reach its members, after the checks of the local stream.
 * A real server on an ephemeral loopback port (`serveApi`), `ws` client.
 */
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import type { RemoteExecutionEvent } from '../../../shared/network.js'
import { authMiddleware, createApiAuth } from '../../../node/api/auth/index.js'
import { errorHandler } from '../../../node/api/errors.js'
import { serveApi } from '../../../node/api/serve.js'
import type { ApiServer } from '../../../node/api/serve.js'
import { streamRoutes } from '../../../node/api/ws.js'
import { connect } from './ws-client.js'
import { testEngine } from '../../fixtures/engine.js'

const TOKENS = new Map([['alice', 'did:key:z6MkAlice'], ['bob', 'did:key:z6MkBob']])

async function serve (remote: EventTarget): Promise<ApiServer> {
  const { engine } = testEngine()
  const app = new Hono()
  app.onError(errorHandler({ log: () => {} }))
  app.use('*', authMiddleware(createApiAuth({ tokens: TOKENS, subnets: id => id === 'did:key:z6MkAlice' ? ['dao-a'] : [] })))
  app.route('/ws', streamRoutes({ engine, metrics: { json: async () => ({}) as any }, now: Date.now, log: () => {}, remote }))
  return await serveApi({ app, port: 0 })
}

const remoteEvent = (subnet: string, executionId: string, kind: RemoteExecutionEvent['kind'], at: number): RemoteExecutionEvent =>
  ({ kind, executionId, flowId: 'f', at, subnet, coordinator: '12D3KooWRemote' })

describe('api: DAO event stream with remote events', () => {
  let server: ApiServer | undefined
  afterEach(async () => { await server?.close(); server = undefined })

  it('streams the subnet\'s remote events to members only, in order, and no other subnet\'s', async () => {
    const remote = new EventTarget()
    server = await serve(remote)
    const base = server.url.replace(/^http/, 'ws')
    await expect(connect(`${base}/ws/dao/dao-a/events`)).rejects.toMatchObject({ status: 401 })
    await expect(connect(`${base}/ws/dao/dao-a/events?access_token=bob`)).rejects.toMatchObject({ status: 403 })
    const client = await connect(`${base}/ws/dao/dao-a/events?access_token=alice`)
    const send = (e: RemoteExecutionEvent): void => { remote.dispatchEvent(new CustomEvent('execution:event', { detail: e })) }
    send(remoteEvent('dao-b', 'other', 'execution.started', 1))
    send(remoteEvent('dao-a', 'x1', 'execution.started', 2))
    send({ ...remoteEvent('dao-a', 'x1', 'step.completed', 3), stepId: 's1', attempt: 1, nodeId: '12D3KooWExec' })
    send(remoteEvent('dao-a', 'x1', 'execution.completed', 4))
    await client.next(m => m.event?.kind === 'execution.completed')
    expect(client.messages.map(m => [m.type, m.executionId, m.event.kind])).toEqual([
      ['remote', 'x1', 'execution.started'],
      ['remote', 'x1', 'step.completed'],
      ['remote', 'x1', 'execution.completed']
    ])
    expect(client.messages[1]).toMatchObject({ flowId: 'f', coordinator: '12D3KooWRemote', event: { stepId: 's1', nodeId: '12D3KooWExec', subnet: 'dao-a' } })
    client.ws.close()
  })
})
