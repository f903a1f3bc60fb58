/**
 * The StateStore compliance suite (`src/interface/state-store.ts`): every implementation
 * runs it from a ~10-line spec. `setup` returns a fresh, empty store for each test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ExecutionEvent, ExecutionStatus } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'
import type { StateStore } from '../../src/interface/state-store.js'

export interface StateStoreSetup {
  store: StateStore
  teardown: () => Promise<void>
}

export function testFlow (id: string, patch: Partial<FlowDefinition> = {}): FlowDefinition {
  return {
    id,
    name: `Flow ${id}`,
    version: '1.0.0',
    owner: 'did:squid:owner',
    steps: [{ id: 's1', type: 'task', action: 'qflow.action.log', params: { message: 'hello ${input.name}', nested: { n: 1, list: [1, 'two', null] } } }],
    metadata: { tags: ['test'], category: 'compliance', visibility: 'private', requiredPermissions: [] },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...patch
  }
}

/** A started event followed by step events with outputs and logs; `at` grows from `at0`. */
export function testEvents (executionId: string, at0 = 1_000): ExecutionEvent[] {
  return [
    { type: 'execution.started', at: at0, executionId, flow: testFlow('f1'), context: { triggeredBy: 'did:squid:owner', triggerType: 'manual', inputData: { name: 'Ada', n: 3 }, variables: { v: [1, 2] }, permissions: [] } },
    { type: 'step.started', at: at0 + 1, stepId: 's1', attempt: 1 },
    { type: 'step.completed', at: at0 + 2, stepId: 's1', attempt: 1, output: { ok: true, text: 'done', deep: { a: [1, { b: 'c' }] } }, logs: ['line 1', 'line 2'] },
    { type: 'checkpoint.created', at: at0 + 3, checkpointId: 'cp-1' }
  ]
}

const byId = <T extends { executionId: string }>(a: T, b: T): number => a.executionId.localeCompare(b.executionId)

export function stateStoreTests (name: string, setup: () => Promise<StateStoreSetup>): void {
  describe(`StateStore compliance: ${name}`, () => {
    let store: StateStore
    let teardown: () => Promise<void>

    beforeEach(async () => { ({ store, teardown } = await setup()) })
    afterEach(async () => { await teardown() })

    describe('flows', () => {
      it('stores a flow and reads it back', async () => {
        const flow = testFlow('f1')
        const version = await store.putFlow(flow)
        expect(version.flowId).toBe('f1')
        expect(version.versionId).toMatch(/\S/)
        expect(Number.isNaN(Date.parse(version.createdAt))).toBe(false)
        expect(await store.getFlow('f1')).toEqual(flow)
      })

      it('keeps every version in order; the latest by default, any by version id', async () => {
        const v1 = await store.putFlow(testFlow('f1'))
        const v2 = await store.putFlow(testFlow('f1', { version: '2.0.0', description: 'second' }))
        expect(v1.versionId).not.toBe(v2.versionId)
        expect((await store.listFlowVersions('f1')).map(v => v.versionId)).toEqual([v1.versionId, v2.versionId])
        expect((await store.getFlow('f1'))?.version).toBe('2.0.0')
        expect((await store.getFlow('f1', v1.versionId))?.version).toBe('1.0.0')
        expect((await store.getFlow('f1', v2.versionId))?.description).toBe('second')
      })

      it('lists the latest version of each flow', async () => {
        await store.putFlow(testFlow('a'))
        await store.putFlow(testFlow('b'))
        await store.putFlow(testFlow('a', { version: '2.0.0' }))
        const flows = (await store.listFlows()).sort((x, y) => x.id.localeCompare(y.id))
        expect(flows.map(f => [f.id, f.version])).toEqual([['a', '2.0.0'], ['b', '1.0.0']])
      })

      it('deletes a flow', async () => {
        await store.putFlow(testFlow('f1'))
        expect(await store.deleteFlow('f1')).toBe(true)
        expect(await store.deleteFlow('f1')).toBe(false)
        expect(await store.getFlow('f1')).toBeUndefined()
        expect(await store.listFlows()).toEqual([])
      })

      it('answers unknown flows and versions with nothing', async () => {
        expect(await store.getFlow('nope')).toBeUndefined()
        expect(await store.listFlowVersions('nope')).toEqual([])
        await store.putFlow(testFlow('f1'))
        expect(await store.getFlow('f1', 'not-a-version')).toBeUndefined()
        const other = await store.putFlow(testFlow('f2'))
        expect(await store.getFlow('f1', other.versionId)).toBeUndefined()
      })
    })

    describe('execution logs', () => {
      it('appends in order and reads everything back', async () => {
        const events = testEvents('e1')
        await store.appendEvents('e1', events.slice(0, 1), { flowId: 'f1', status: 'running' })
        await store.appendEvents('e1', events.slice(1, 3), { flowId: 'f1', status: 'running' })
        await store.appendEvents('e1', events.slice(3), { flowId: 'f1', status: 'running' })
        expect(await store.readEvents('e1')).toEqual(events)
      })

      it('reads from an offset', async () => {
        const events = testEvents('e1')
        await store.appendEvents('e1', events.slice(0, 2), { flowId: 'f1', status: 'running' })
        await store.appendEvents('e1', events.slice(2), { flowId: 'f1', status: 'running' })
        for (let from = 0; from <= events.length; from++) expect(await store.readEvents('e1', from)).toEqual(events.slice(from))
        expect(await store.readEvents('e1', 99)).toEqual([])
      })

      it('keeps one execution ordered when appends are not awaited one by one', async () => {
        const events: ExecutionEvent[] = Array.from({ length: 30 }, (_, i) => ({ type: 'timer.fired', at: i, timerId: `t${i}` }))
        await Promise.all(events.map(async e => store.appendEvents('e1', [e], { flowId: 'f1', status: 'running' })))
        expect(await store.readEvents('e1')).toEqual(events)
      })

      it('keeps every log whole under concurrent appends from many executions', async () => {
        const ids = Array.from({ length: 40 }, (_, i) => `exec-${i}`)
        await Promise.all(ids.map(async id => {
          for (let i = 0; i < 8; i++) {
            await store.appendEvents(id, [{ type: 'step.started', at: i, stepId: `${id}/s${i}`, attempt: 1 }], { flowId: 'f1', status: i === 7 ? 'completed' : 'running' })
          }
        }))
        for (const id of ids) expect((await store.readEvents(id)).map(e => (e as any).stepId)).toEqual(Array.from({ length: 8 }, (_, i) => `${id}/s${i}`))
        expect((await store.listExecutions()).length).toBe(40)
        expect(await store.listExecutions({ active: true })).toEqual([])
      })

      it('answers unknown executions with nothing', async () => {
        expect(await store.readEvents('nope')).toEqual([])
        expect(await store.readEvents('nope', 3)).toEqual([])
        expect(await store.listExecutions()).toEqual([])
        expect(await store.loadSnapshot('nope')).toBeUndefined()
      })
    })

    describe('summaries and the active set', () => {
      it('summarises status, flow and last update', async () => {
        await store.appendEvents('e1', testEvents('e1', 5_000), { flowId: 'f1', status: 'running' })
        expect(await store.listExecutions()).toEqual([{ executionId: 'e1', flowId: 'f1', status: 'running', updatedAt: 5_003 }])
      })

      it('lists non-terminal executions as active, terminal ones as not', async () => {
        const statuses: ExecutionStatus[] = ['pending', 'running', 'paused', 'completed', 'failed', 'aborted']
        for (const [i, status] of statuses.entries()) {
          await store.appendEvents(`e-${status}`, [{ type: 'timer.fired', at: i, timerId: 't' }], { flowId: i < 3 ? 'fa' : 'fb', status })
        }
        const active = (await store.listExecutions({ active: true })).sort(byId)
        expect(active.map(s => s.status).sort()).toEqual(['paused', 'pending', 'running'])
        const done = await store.listExecutions({ active: false })
        expect(done.map(s => s.status).sort()).toEqual(['aborted', 'completed', 'failed'])
        expect((await store.listExecutions({ flowId: 'fa' })).length).toBe(3)
        expect((await store.listExecutions({ active: true, flowId: 'fb' }))).toEqual([])
      })

      it('moves an execution out of and back into the active set', async () => {
        await store.appendEvents('e1', [{ type: 'timer.fired', at: 1, timerId: 't' }], { flowId: 'f1', status: 'running' })
        await store.appendEvents('e1', [{ type: 'execution.aborted', at: 2 }], { flowId: 'f1', status: 'aborted' })
        expect(await store.listExecutions({ active: true })).toEqual([])
        await store.appendEvents('e1', [{ type: 'checkpoint.restored', at: 3, checkpointId: 'cp' }], { flowId: 'f1', status: 'running' })
        expect((await store.listExecutions({ active: true })).map(s => s.executionId)).toEqual(['e1'])
        expect(await store.listExecutions({ active: false })).toEqual([])
        expect((await store.readEvents('e1')).length).toBe(3)
      })

      it('updates the status with an empty append', async () => {
        await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
        await store.appendEvents('e1', [], { flowId: 'f1', status: 'paused' })
        expect((await store.listExecutions())[0].status).toBe('paused')
        expect((await store.readEvents('e1')).length).toBe(4)
      })
    })

    describe('snapshots', () => {
      it('loads the latest snapshot or one by checkpoint id', async () => {
        await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
        for (let i = 1; i <= 3; i++) await store.saveSnapshot('e1', { checkpointId: `cp-${i}`, logIndex: i, state: { step: i, outputs: { s1: { text: `v${i}` } } } })
        expect(await store.loadSnapshot('e1')).toEqual({ checkpointId: 'cp-3', logIndex: 3, state: { step: 3, outputs: { s1: { text: 'v3' } } } })
        expect((await store.loadSnapshot('e1', 'cp-1'))?.state).toEqual({ step: 1, outputs: { s1: { text: 'v1' } } })
        expect((await store.loadSnapshot('e1', 'cp-2'))?.logIndex).toBe(2)
        expect(await store.loadSnapshot('e1', 'cp-9')).toBeUndefined()
      })

      it('loads snapshots whose state holds a large output (over 256 KiB) back whole, with the log', async () => {
        const big = { rows: Array.from({ length: 3000 }, (_, i) => ({ i, text: `row ${i} ${'z'.repeat(90)}` })) }
        const also = 'y'.repeat(300 * 1024)
        await store.appendEvents('e1', [...testEvents('e1'), { type: 'step.completed', at: 9, stepId: 'big', attempt: 1, output: big }], { flowId: 'f1', status: 'running' })
        const state = (i: number): unknown => ({ i, steps: { big: { output: big }, other: { output: also } }, output: big, list: [1, big, 'x'] })
        for (let i = 1; i <= 3; i++) await store.saveSnapshot('e1', { checkpointId: `cp-${i}`, logIndex: 5, state: state(i) })
        expect(await store.loadSnapshot('e1')).toEqual({ checkpointId: 'cp-3', logIndex: 5, state: state(3) })
        expect((await store.loadSnapshot('e1', 'cp-1'))?.state).toEqual(state(1))
        expect(((await store.readEvents('e1', 4))[0] as { output?: unknown }).output).toEqual(big)
      })

      it('refuses a snapshot of an unknown execution', async () => {
        await expect(store.saveSnapshot('nope', { checkpointId: 'cp', logIndex: 0, state: {} })).rejects.toThrow()
        expect(await store.loadSnapshot('nope', 'cp')).toBeUndefined()
      })
    })
  })
}
