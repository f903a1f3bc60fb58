/**
 * The Node composition root on a data directory: retention at start, the directory lock,
 * and the sandbox wired in.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createNodeRuntime } from '../../node/runtime.js'
import { flow, task } from '../fixtures/engine.js'

const dir = (): string => mkdtempSync(join(tmpdir(), 'qflow-runtime-'))

describe('node runtime', () => {
  it('applies the retention policy when it starts', async () => {
    const dataDir = dir()
    const first = await createNodeRuntime({ dataDir, sandbox: false })
    await first.engine.registerFlow(flow([task('a', 'qflow.action.transform', { output: 1 })], { id: 'one' }))
    for (let i = 0; i < 3; i++) await first.engine.waitForExecution(await first.engine.startExecution('one'))
    await first.close()
    const second = await createNodeRuntime({ dataDir, sandbox: false, retention: { maxCount: 1 } })
    try {
      await second.durable!.store.flush()
      // the retention pass runs at start; listing waits for it through the store's writer
      await second.durable!.store.prune({})
      expect(await second.store.listExecutions()).toHaveLength(1)
    } finally {
      await second.close()
    }
  })

  it('takes over a lock left by a dead process and refuses a live one', async () => {
    const dataDir = dir()
    writeFileSync(join(dataDir, 'LOCK'), '999999999')
    const runtime = await createNodeRuntime({ dataDir, sandbox: false })
    await expect(createNodeRuntime({ dataDir, sandbox: false })).rejects.toMatchObject({ name: 'DataDirLockedError', message: expect.stringContaining(`in use by process ${process.pid}`) })
    await runtime.close()
    const again = await createNodeRuntime({ dataDir, sandbox: false })
    await again.close()
  })

  it('runs sandboxed function steps through worker threads', async () => {
    const runtime = await createNodeRuntime({ sandbox: { allowedModules: ['*'] } })
    try {
      await runtime.engine.registerFlow(flow([task('f', 'qflow.action.function', { code: 'return { sum: input.a + input.b, tpl: `${input.a}` }', input: { a: '${input.x}', b: 2 } })], { id: 'fn' }))
      const state = await runtime.engine.waitForExecution(await runtime.engine.startExecution('fn', { inputData: { x: 40 } }))
      expect(state.output).toEqual({ sum: 42, tpl: '40' })
    } finally {
      await runtime.close()
    }
  })

  it('refuses unapproved code in dao-approved mode before running it', async () => {
    const runtime = await createNodeRuntime({})
    try {
      await runtime.engine.registerFlow(flow([task('f', 'qflow.action.function', { code: 'return 1' })], { id: 'fn' }))
      const state = await runtime.engine.waitForExecution(await runtime.engine.startExecution('fn'))
      expect(state.error?.type).toBe('dao_policy_violation')
    } finally {
      await runtime.close()
    }
  })
})
