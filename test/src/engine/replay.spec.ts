/**
 * Determinism: an execution is a fold over its log. Replaying a recorded log must give the
 * same state and the same commands (Temporal-style replay tests over golden histories).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ExecutionEvent } from '../../../shared/execution.js'
import type { FlowStep } from '../../../shared/flow.js'
import { StepError } from '../../../src/errors.js'
import type { Command } from '../../../src/engine/commands.js'
import { apply, createState, foldEvents } from '../../../src/engine/reducer.js'
import { toExecutionState } from '../../../src/engine/run-state.js'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import { flow, start, task, testEngine } from '../../fixtures/engine.js'

const goldenFile = new URL('../../golden/mixed-flow.json', import.meta.url)

/** Commands each event implies, replayed from scratch. */
function replayCommands (events: ExecutionEvent[]): Command[][] {
  const first = createState(events[0] as Extract<ExecutionEvent, { type: 'execution.started' }>)
  const out: Command[][] = [first.commands]
  for (let i = 1; i < events.length; i++) out.push(apply(first.state, events[i], events.slice(0, i)))
  return out
}

const mixedFlow = (): ReturnType<typeof flow> => {
  const steps: FlowStep[] = [
    { id: 'trigger', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
    {
      id: 'fan',
      type: 'parallel',
      action: 'qflow.parallel',
      params: {
        branches: [
          [task('flaky', 'test.flaky', {}, { retryPolicy: { maxAttempts: 3, initialDelay: 200 } }), task('wait', 'qflow.action.delay', { ms: 1000 })],
          [task('double', 'qflow.action.transform', { output: '${input.n * 2}' })]
        ]
      }
    },
    { id: 'check', type: 'condition', action: 'qflow.condition.if', params: { expression: 'steps.fan.output[1] > 10', onTrue: 'approval', onFalse: 'small' } },
    task('small', 'qflow.action.complete', { output: 'small' }),
    { id: 'approval', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'approved' } },
    task('done', 'qflow.action.transform', { output: { by: '${steps.approval.output.by}', n: '${steps.fan.output[1]}' } })
  ]
  return flow(steps, { id: 'mixed' })
}

async function recordMixedRun (): Promise<{ events: ExecutionEvent[], state: unknown }> {
  const clock = fakeClock()
  let calls = 0
  const flaky: ActionDefinition = {
    name: 'test.flaky',
    stepTypes: ['task'],
    run: () => {
      if (++calls < 2) throw new StepError('network_error', 'flaky')
      return { calls }
    }
  }
  const { engine } = testEngine({ clock, actions: [flaky] })
  const id = await start(engine, mixedFlow(), { n: 21 })
  await clock.advance(10_000)
  await engine.deliverEvent('approved', { by: 'alice' })
  const state = await engine.waitForExecution(id)
  return { events: await engine.getLog(id), state }
}

describe('engine: replay', () => {
  it('folding the recorded log gives the live state', async () => {
    const { events, state } = await recordMixedRun()
    expect((state as { status: string }).status).toBe('completed')
    expect(toExecutionState(foldEvents(events))).toEqual(state)
  })

  it('replays the golden log to the golden state and commands', async () => {
    if (!existsSync(goldenFile) || process.env.UPDATE_GOLDEN === '1') {
      const { events, state } = await recordMixedRun()
      writeFileSync(goldenFile, JSON.stringify({ events, state, commands: replayCommands(events) }, null, 2) + '\n')
    }
    const golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as { events: ExecutionEvent[], state: unknown, commands: Command[][] }
    expect(golden.events.length).toBeGreaterThan(10)
    expect(toExecutionState(foldEvents(golden.events))).toEqual(golden.state)
    expect(replayCommands(golden.events)).toEqual(golden.commands)
  })

  it('a live run of the same flow still produces the golden log', async () => {
    const golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as { events: ExecutionEvent[] }
    const { events } = await recordMixedRun()
    expect(JSON.parse(JSON.stringify(events))).toEqual(golden.events)
  })
})
