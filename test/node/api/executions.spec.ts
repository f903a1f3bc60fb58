/**
 * Starting, triggering and controlling executions through the API: status, pause, resume,
 * abort, logs and metrics, with their 404s, 409s and 400s.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiHarness, flowDoc, nextWait, waitingFlowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

describe('api: executions', () => {
  let h: ApiHarness
  beforeEach(async () => {
    h = await apiHarness()
    expect((await h.json('POST', '/api/v1/flows', flowDoc('Greeter'))).status).toBe(201)
    expect((await h.json('POST', '/api/v1/flows', waitingFlowDoc('waiter'))).status).toBe(201)
  })
  afterEach(async () => {
    expect(h.log).not.toHaveBeenCalled()
    await h.runtime.close()
  })

  const start = async (flowId: string, body: unknown = {}): Promise<string> => {
    const res = await h.json('POST', `/api/v1/flows/${flowId}/start`, body)
    expect(res.status).toBe(201)
    return (await res.json()).executionId
  }

  it('starts an execution and reports the same ExecutionState the CLI prints', async () => {
    const id = await start('greeter', { inputData: { name: 'Ada' }, variables: { v: 1 } })
    const final = await h.runtime.engine.waitForExecution(id)
    const res = await h.json('GET', `/api/v1/executions/${id}`)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toEqual(JSON.parse(JSON.stringify(final)))
    expect(body).toMatchObject({ executionId: id, flowId: 'greeter', status: 'completed', output: { hello: 'Ada' } })
    expect(body.context).toMatchObject({ inputData: { name: 'Ada' }, variables: { v: 1 }, triggerType: 'manual' })
  })

  it('starts with an empty body', async () => {
    const res = await h.app.request('/api/v1/flows/greeter/start', { method: 'POST' })
    expect(res.status).toBe(201)
    await h.runtime.engine.waitForExecution((await res.json()).executionId)
  })

  it('serves the event log and metrics of an execution', async () => {
    const id = await start('greeter', { inputData: { name: 'Ada' } })
    await h.runtime.engine.waitForExecution(id)
    const logs = await (await h.json('GET', `/api/v1/executions/${id}/logs`)).json()
    expect(logs.executionId).toBe(id)
    expect(logs.events[0]).toMatchObject({ type: 'execution.started', executionId: id })
    expect(logs.events.map((e: { type: string }) => e.type)).toContain('step.completed')

    const res = await h.json('GET', `/api/v1/executions/${id}/metrics`)
    expect(res.status).toBe(200)
    const metrics = await res.json()
    expect(metrics).toMatchObject({ executionId: id, flowId: 'greeter', status: 'completed', stepCount: 2, attempts: 2, retries: 0, failures: 0, events: logs.events.length })
    expect(metrics.durationMs).toBeGreaterThanOrEqual(0)
    expect(metrics.steps.done).toMatchObject({ status: 'completed', attempts: 1, durationMs: expect.any(Number) })
  })

  it('counts retries and failed attempts in the metrics', async () => {
    const doc = flowDoc('Flaky', {
      steps: [
        { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
        { id: 'boom', type: 'task', action: 'qflow.action.fail', params: { message: 'no', retryable: true }, retryPolicy: { maxAttempts: 3, initialDelay: 1, maxDelay: 2, jitter: 0 } }
      ]
    })
    expect((await h.json('POST', '/api/v1/flows', doc)).status).toBe(201)
    const id = await start('flaky')
    expect((await h.runtime.engine.waitForExecution(id)).status).toBe('failed')
    const metrics = await (await h.json('GET', `/api/v1/executions/${id}/metrics`)).json()
    expect(metrics).toMatchObject({ status: 'failed', retries: 2, failures: 3, endedAt: expect.any(String) })
    expect(metrics.steps.boom).toMatchObject({ status: 'failed', attempts: 3, retries: 2, failures: 3 })
  })

  it('pauses, resumes and aborts a waiting execution', async () => {
    const waiting = nextWait(h, 'waiter')
    const id = await start('waiter')
    await waiting
    const paused = await h.json('POST', `/api/v1/executions/${id}/pause`)
    expect(paused.status).toBe(200)
    expect((await paused.json()).status).toBe('paused')
    const resumed = await h.json('POST', `/api/v1/executions/${id}/resume`)
    expect(resumed.status).toBe(200)
    expect((await resumed.json()).status).toBe('running')
    const aborted = await h.json('POST', `/api/v1/executions/${id}/abort`, { reason: 'enough' })
    expect(aborted.status).toBe(200)
    expect((await aborted.json()).status).toBe('aborted')
    // a finished execution cannot be paused, resumed or aborted again
    for (const verb of ['pause', 'resume', 'abort']) {
      const res = await h.json('POST', `/api/v1/executions/${id}/${verb}`)
      expect(res.status).toBe(409)
      expect(await res.json()).toMatchObject({ type: 'InvalidStateError', path: `/api/v1/executions/${id}/${verb}` })
    }
  })

  it('answers 409 when resuming a completed execution', async () => {
    const id = await start('greeter')
    await h.runtime.engine.waitForExecution(id)
    const res = await h.json('POST', `/api/v1/executions/${id}/resume`)
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ type: 'InvalidStateError', message: expect.stringContaining('completed') })
  })

  it('delivers a triggered event to the flow\'s waiting executions', async () => {
    const waiting = nextWait(h, 'waiter')
    const id = await start('waiter')
    await waiting
    // an event of another name, or for another flow, reaches nobody
    expect(await (await h.json('POST', '/api/v1/flows/waiter/trigger', { event: 'stop' })).json()).toEqual({ delivered: 0 })
    expect(await (await h.json('POST', '/api/v1/flows/greeter/trigger', { event: 'go' })).json()).toEqual({ delivered: 0 })
    const res = await h.json('POST', '/api/v1/flows/waiter/trigger', { event: 'go', payload: { ok: true } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ delivered: 1 })
    const final = await h.runtime.engine.waitForExecution(id)
    expect(final).toMatchObject({ status: 'completed', output: { got: { ok: true } } })
  })

  it('starts a flow whose trigger is the event, with the payload as input', async () => {
    const doc = flowDoc('On order', {
      steps: [
        { id: 'start', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'order.created' } },
        { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { order: '${input.orderId}' } } }
      ]
    })
    expect((await h.json('POST', '/api/v1/flows', doc)).status).toBe(201)
    const res = await h.json('POST', '/api/v1/flows/on-order/trigger', { event: 'order.created', payload: { orderId: 7 } })
    expect(res.status).toBe(201)
    const { delivered, executionId } = await res.json()
    expect(delivered).toBe(0)
    expect(await h.runtime.engine.waitForExecution(executionId)).toMatchObject({ status: 'completed', output: { order: 7 }, context: { triggerType: 'event' } })
    // another event neither starts it nor fails; a payload that cannot be an input is a 400
    expect(await (await h.json('POST', '/api/v1/flows/on-order/trigger', { event: 'order.deleted' })).json()).toEqual({ delivered: 0 })
    const bad = await h.json('POST', '/api/v1/flows/on-order/trigger', { event: 'order.created', payload: [1] })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ type: 'InvalidRequestError', path: 'payload' })
  })

  it('answers 404 for unknown flows and executions', async () => {
    const cases: Array<[string, string]> = [
      ['POST', '/api/v1/flows/nope/start'], ['POST', '/api/v1/flows/nope/trigger'],
      ['GET', '/api/v1/executions/nope'], ['GET', '/api/v1/executions/nope/logs'], ['GET', '/api/v1/executions/nope/metrics'],
      ['POST', '/api/v1/executions/nope/pause'], ['POST', '/api/v1/executions/nope/resume'], ['POST', '/api/v1/executions/nope/abort']
    ]
    for (const [method, path] of cases) {
      const res = await h.json(method, path, path.endsWith('trigger') ? { event: 'go' } : undefined)
      expect(res.status, `${method} ${path}`).toBe(404)
      expect((await res.json()).type).toBe('NotFoundError')
    }
  })

  it('does not start a deleted flow', async () => {
    await start('greeter') // the engine now caches the flow
    expect((await h.json('DELETE', '/api/v1/flows/greeter')).status).toBe(204)
    expect((await h.json('POST', '/api/v1/flows/greeter/start', {})).status).toBe(404)
  })

  it('answers 400 for bodies of the wrong shape, naming the path', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/api/v1/flows/greeter/start', { inputData: 'x' }, 'inputData'],
      ['/api/v1/flows/greeter/start', { variables: [1] }, 'variables'],
      ['/api/v1/flows/greeter/start', { input: {} }, 'input'],
      ['/api/v1/flows/greeter/start', [1], '(root)'],
      ['/api/v1/flows/greeter/trigger', {}, 'event'],
      ['/api/v1/flows/greeter/trigger', { event: 7 }, 'event'],
      ['/api/v1/flows/greeter/trigger', { event: '' }, 'event'],
      ['/api/v1/executions/nope/abort', { reason: 1 }, 'reason'],
      ['/api/v1/executions/nope/pause', { now: true }, 'now']
    ]
    for (const [path, body, at] of cases) {
      const res = await h.json('POST', path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
      expect(await res.json()).toMatchObject({ type: 'InvalidRequestError', path: at })
    }
  })

  it('answers 400 with line and column for malformed JSON, 415 for non-JSON command bodies', async () => {
    const res = await h.text('POST', '/api/v1/flows/greeter/start', '{"inputData": {', 'application/json')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ type: 'FlowSyntaxError', line: 1, column: 16 })
    const yaml = await h.text('POST', '/api/v1/flows/greeter/start', 'inputData: {}', 'application/yaml')
    expect(yaml.status).toBe(415)
  })
})
