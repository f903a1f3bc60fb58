/** Prometheus metrics at /metrics and the same figures as JSON. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { register } from 'prom-client'
import { apiHarness, flowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

const failing = {
  id: 'failing',
  name: 'Fails',
  steps: [
    { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
    { id: 'boom', type: 'task', action: 'qflow.action.fail', params: { message: 'no', errorType: 'timeout_error' } }
  ],
  metadata: { tags: [], category: 'test', visibility: 'public', requiredPermissions: [] }
}

describe('api: system metrics', () => {
  let h: ApiHarness
  beforeEach(async () => { h = await apiHarness() })
  afterEach(async () => { await h.runtime.close() })

  const run = async (flowId: string): Promise<void> => {
    const { executionId } = await (await h.json('POST', `/api/v1/flows/${flowId}/start`, {})).json()
    await h.runtime.engine.waitForExecution(executionId)
  }

  it('exports latency histograms, throughput and errors by type, fed by engine events', async () => {
    await h.json('POST', '/api/v1/flows', flowDoc('Greeter'))
    expect((await h.json('POST', '/api/v1/flows', failing)).status).toBe(201)
    await run('greeter')
    await run('greeter')
    await run('failing')
    const res = await h.json('GET', '/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain('qflow_executions_started_total 3')
    expect(text).toContain('qflow_executions_finished_total{status="completed"} 2')
    expect(text).toContain('qflow_executions_finished_total{status="failed"} 1')
    expect(text).toMatch(/qflow_execution_duration_seconds_bucket\{le="\+Inf",status="completed"\} 2/)
    expect(text).toMatch(/qflow_step_duration_seconds_count\{action="qflow.action.fail",status="failed"\} 1/)
    expect(text).toContain('qflow_errors_total{type="timeout_error",scope="step"} 1')
    expect(text).not.toContain('qflow_peers') // no source given
    // a private registry: nothing lands in prom-client's global one
    expect(await register.metrics()).not.toContain('qflow_')

    const json = await (await h.json('GET', '/api/v1/system/metrics')).json()
    expect(json.executions).toMatchObject({ started: 3, active: 0, finished: { completed: 2, failed: 1 } })
    expect(json.executions.durationSeconds.count).toBe(3)
    expect(json.executions.durationSeconds.p99).toBeGreaterThanOrEqual(json.executions.durationSeconds.p50)
    expect(json.errors).toEqual({ timeout_error: 2 })
  })

  it('exports the optional sources when given', async () => {
    const h2 = await apiHarness({
      metricsSources: {
        validation: () => ({ hits: 3, misses: 1 }),
        sandbox: () => ({ size: 4, busy: 1, queued: 0, ready: 3, spawned: 5 }),
        peers: () => 7
      }
    })
    try {
      const text = await (await h2.json('GET', '/metrics')).text()
      expect(text).toContain('qflow_validation_cache_hit_ratio 0.75')
      expect(text).toContain('qflow_sandbox_workers{state="busy"} 1')
      expect(text).toContain('qflow_peers 7')
      const json = await (await h2.json('GET', '/api/v1/system/metrics')).json()
      expect(json).toMatchObject({ validationCache: { hits: 3, misses: 1, hitRate: 0.75 }, sandbox: { size: 4, busy: 1 }, peers: 7 })
    } finally {
      await h2.runtime.close()
    }
  })
})
