import { afterAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import type { ActionContext } from '../../../src/interface/action.js'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { sandboxActions } from '../../../src/sandbox/actions.js'
import { wasmFixture } from './fixtures.js'
import { failureOf } from './helpers.js'

function context (lines: string[], step: Partial<ActionContext['step']> = {}): ActionContext {
  return {
    executionId: 'e1', flowId: 'f1', stepId: 's1', attempt: 1, idempotencyKey: 'e1:s1:1',
    step: { id: 's1', type: 'task', action: 'qflow.action.function', params: {}, ...step },
    signal: new AbortController().signal,
    log: line => lines.push(line)
  }
}

describe('sandbox actions', () => {
  const host = threadSandboxHost({ config: { allowedModules: ['*'], poolSize: 1 } })
  const [fn, wasm] = sandboxActions(host, { daoSubnet: ctx => ctx.flowId })
  afterAll(() => host.stop())

  it('defines qflow.action.function and qflow.action.wasm for task steps', () => {
    expect([fn.name, wasm.name]).toEqual(['qflow.action.function', 'qflow.action.wasm'])
    expect(fn.stepTypes).toEqual(['task'])
    expect(wasm.stepTypes).toEqual(['task'])
    expect(fn.params?.safeParse({ code: 'return 1', input: { a: 1 } }).success).toBe(true)
    expect(fn.params?.safeParse({}).success).toBe(false)
    expect(wasm.params?.safeParse({ module: 'sum' }).success).toBe(true)
    expect(wasm.params?.safeParse({ module: 1 }).success).toBe(false)
  })

  it('runs code with params.input, turns console.log into step logs, and returns the output', async () => {
    const lines: string[] = []
    const output = await fn.run({ code: "console.log('got', input.n); console.warn('careful'); return { doubled: input.n * 2, step: ctx.stepId }", input: { n: 21 } }, context(lines))
    expect(output).toEqual({ doubled: 42, step: 's1' })
    expect(lines).toEqual(['got 21', '[warn] careful'])
  })

  it('gives the code {} when the step has no input', async () => {
    expect(await fn.run({ code: 'return input' }, context([]))).toEqual({})
  })

  it('applies the step resource limits', async () => {
    const err = await failureOf(Promise.resolve(fn.run({ code: 'for (;;) {}' }, context([], { resourceLimits: { maxExecutionTimeMs: 100 } }))))
    expect(err.type).toBe(ErrorType.TIMEOUT_ERROR)
  })

  it('runs a WASM module by template name', async () => {
    await host.registry.registerTemplate('sum', await wasmFixture('sum'))
    const lines: string[] = []
    expect(await wasm.run({ module: 'sum', input: [20, 22] }, context(lines))).toEqual({ sum: 42 })
    expect(lines).toEqual(['summing the input'])
  })
})
