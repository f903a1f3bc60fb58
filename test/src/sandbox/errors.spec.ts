import { afterAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { wasmFixture } from './fixtures.js'
import { failureOf, runner } from './helpers.js'

describe('errors and recovery', () => {
  const host = threadSandboxHost({ config: { allowedModules: ['*'], poolSize: 1 } })
  const run = runner(host)
  afterAll(() => host.stop())

  it('reports a guest exception as EXECUTION_ERROR with its message and stack', async () => {
    const err = await failureOf(run({ code: 'function explode () { throw new TypeError("bad input: " + input.x) }\nexplode()', input: { x: 7 } }))
    expect(err).toMatchObject({ name: 'StepError', type: ErrorType.EXECUTION_ERROR, message: 'bad input: 7', details: { guestName: 'TypeError' } })
    expect(err.details?.stack).toMatch(/explode/)
  })

  it('reports syntax errors, thrown strings and rejected promises', async () => {
    expect(await failureOf(run({ code: 'return (' }))).toMatchObject({ type: ErrorType.EXECUTION_ERROR, details: { guestName: 'SyntaxError' } })
    expect(await failureOf(run({ code: 'throw "plain"' }))).toMatchObject({ type: ErrorType.EXECUTION_ERROR, message: 'plain' })
    expect(await failureOf(run({ code: 'await Promise.reject(new RangeError("nope"))' }))).toMatchObject({ message: 'nope', details: { guestName: 'RangeError' } })
  })

  it('refuses output JSON cannot carry', async () => {
    expect((await failureOf(run({ code: 'return 1n' }))).type).toBe(ErrorType.EXECUTION_ERROR)
    expect((await failureOf(run({ code: 'const a = {}; a.a = a; return a' }))).type).toBe(ErrorType.EXECUTION_ERROR)
  })

  it('maps undefined to null and keeps JSON types', async () => {
    expect((await run({ code: 'return undefined' })).output).toBeNull()
    expect((await run({ code: 'return { n: 1.5, s: "s", b: false, a: [null], d: new Date(0) }' })).output)
      .toEqual({ n: 1.5, s: 's', b: false, a: [null], d: '1970-01-01T00:00:00.000Z' })
  })

  it('gives the guest its input and context data', async () => {
    const { output } = await run({ code: 'return { input, ctx: { ...ctx, log: typeof ctx.log } }', input: { a: 1 }, context: { stepId: 's1', attempt: 2 } })
    expect(output).toEqual({ input: { a: 1 }, ctx: { stepId: 's1', attempt: 2, idempotencyKey: 'exec:step:1', log: 'function' } })
  })

  it('replaces a worker killed by an abort, and the next run works', async () => {
    const controller = new AbortController()
    const spawned = host.stats().spawned
    const started = new Promise<void>(resolve => {
      void host.run({ kind: 'function', code: 'console.log("started"); for (;;) {}', input: {}, limits: {}, idempotencyKey: 'k' },
        { signal: controller.signal, onLog: () => resolve() }).catch(err => { aborted = err })
    })
    let aborted: unknown
    await started
    controller.abort()
    expect((await run({ code: 'return 2' })).output).toBe(2)
    expect(aborted).toMatchObject({ name: 'AbortError' })
    expect(host.stats().spawned).toBe(spawned + 1)
  })

  it('replaces a worker terminated at the backstop, and the next run works', async () => {
    await host.registry.registerTemplate('spin', await wasmFixture('loop'))
    const replaced = host.stats().replaced
    const err = await failureOf(run({ module: 'spin', limits: { maxExecutionTimeMs: 100 } }))
    expect(err).toMatchObject({ type: ErrorType.TIMEOUT_ERROR, details: { how: 'terminated' } })
    expect(host.stats().replaced).toBe(replaced + 1)
    expect((await run({ code: 'return 3' })).output).toBe(3)
  })

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(host.run({ kind: 'function', code: 'return 1', input: {}, limits: {}, idempotencyKey: 'k' }, { signal: controller.signal }))
      .rejects.toMatchObject({ name: 'AbortError' })
  })
})
