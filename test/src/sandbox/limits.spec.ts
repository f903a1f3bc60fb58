import { afterAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { failureOf, runner } from './helpers.js'

const MB = 1024 * 1024

describe('limits', () => {
  const host = threadSandboxHost({ config: { allowedModules: ['*'], poolSize: 1, maxMemoryMB: 32, maxLogBytes: 2000 } })
  const run = runner(host)
  afterAll(() => host.stop())

  it('lets a guest allocate close to its memory limit, and not past it', async () => {
    expect((await run({ code: `return new ArrayBuffer(${28 * MB}).byteLength` })).output).toBe(28 * MB)
    const err = await failureOf(run({ code: `return new ArrayBuffer(${33 * MB}).byteLength` }))
    expect(err).toMatchObject({ type: ErrorType.RESOURCE_EXHAUSTED, retryable: false })
  })

  it('applies a lower step memory limit, never a higher one', async () => {
    expect((await failureOf(run({ code: `return new ArrayBuffer(${12 * MB}).byteLength`, limits: { maxMemoryMB: 8 } }))).type).toBe(ErrorType.RESOURCE_EXHAUSTED)
    expect((await failureOf(run({ code: `return new ArrayBuffer(${40 * MB}).byteLength`, limits: { maxMemoryMB: 512 } }))).type).toBe(ErrorType.RESOURCE_EXHAUSTED)
  })

  it('stops a guest at its deadline with TIMEOUT_ERROR', async () => {
    const err = await failureOf(run({ code: 'for (;;) {}', limits: { maxExecutionTimeMs: 200 } }))
    expect(err).toMatchObject({ type: ErrorType.TIMEOUT_ERROR, retryable: true })
  })

  it('accepts output up to the byte limit and refuses one byte more', async () => {
    expect((await run({ code: "return 'x'.repeat(98)", limits: { maxOutputBytes: 100 } })).output).toBe('x'.repeat(98))
    expect((await failureOf(run({ code: "return 'x'.repeat(99)", limits: { maxOutputBytes: 100 } }))).type).toBe(ErrorType.RESOURCE_EXHAUSTED)
  })

  it('caps the logs of one execution', async () => {
    const { logs } = await run({ code: "for (let i = 0; i < 1000; i++) console.log('line ' + i); return 1" })
    expect(logs.length).toBeLessThan(300)
    expect(logs.at(-1)).toMatch(/log limit of 2000 bytes/)
  })

  it('allows reasonable recursion depth', async () => {
    expect((await run({ code: 'const f = n => n === 0 ? 0 : 1 + f(n - 1); return f(500)' })).output).toBe(500)
  })

  it('reports a pending promise nothing can settle instead of hanging', async () => {
    expect((await failureOf(run({ code: 'await new Promise(() => {})' }))).type).toBe(ErrorType.EXECUTION_ERROR)
  })
})
