/**
 * The README's flow example stays a valid flow that runs.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { builtinRegistry, loadFlow } from '../../src/index.js'
import { testEngine } from '../fixtures/engine.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('holds a full flow example that validates and runs', async () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(readme)
    expect(block).not.toBeNull()
    const { flow, warnings } = loadFlow(block![1], { now: new Date().toISOString(), fileName: 'readme.yaml', actions: builtinRegistry() })
    expect(warnings).toEqual([])
    expect(flow.steps.map(s => s.type)).toEqual(expect.arrayContaining(['event-trigger', 'condition', 'task']))
    const { engine } = testEngine()
    await engine.registerFlow(flow)
    const state = await engine.waitForExecution(await engine.startExecution(flow.id, { inputData: { body: { id: 'o1', amount: 5 } } }))
    expect(state.status).toBe('completed')
    expect(state.output).toEqual({ routed: false })
  })

  it('keeps the two-command quick start', () => {
    expect(readme).toContain('npm install && npm start')
    expect(readme).toMatch(/^npm test\s/m)
  })
})
