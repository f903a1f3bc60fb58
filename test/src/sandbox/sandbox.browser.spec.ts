import './browser-deps.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { webWorkerSandboxHost } from '../../../web/platform/worker-sandbox-host.js'
import { cidOfSource } from '../../../src/sandbox/cid.js'
import { localAllowList } from '../../../src/sandbox/code-policy.js'
import { registerFixtures } from './fixtures.js'
import { failureOf, runner } from './helpers.js'

const MB = 1024 * 1024

describe('Web Worker sandbox host (Chromium)', () => {
  const approved = localAllowList()
  const host = webWorkerSandboxHost({ config: { poolSize: 1, maxMemoryMB: 32 }, policy: approved })
  const run = runner(host)
  const code = {
    logs: "console.log('in a worker', typeof window, typeof document); return input.n + 1",
    alloc: (bytes: number) => `return new ArrayBuffer(${bytes}).byteLength`
  }
  beforeAll(async () => {
    for (const c of [code.logs, code.alloc(28 * MB), code.alloc(33 * MB), 'for (;;) {}', 'return 7']) {
      approved.approve((await cidOfSource(c)).toString())
    }
    for (const cid of Object.values(await registerFixtures(host))) approved.approve(cid)
  })
  afterAll(() => host.stop())

  it('runs approved code off the page realm and streams its logs', async () => {
    const lines: string[] = []
    expect(await run({ code: code.logs, input: { n: 41 } }, line => lines.push(line))).toMatchObject({ output: 42, logs: ['in a worker undefined undefined'] })
    expect(lines).toEqual(['in a worker undefined undefined'])
  })

  it('rejects unapproved code with DAO_POLICY_VIOLATION', async () => {
    expect((await failureOf(run({ code: 'return "unapproved"' }))).type).toBe(ErrorType.DAO_POLICY_VIOLATION)
  })

  it('runs a WASI module with the browser WASI shim', async () => {
    expect(await run({ module: 'sum', input: { a: 40, b: 2 } })).toMatchObject({ output: { sum: 42 }, logs: ['summing the input'] })
  })

  it('enforces the memory limit', async () => {
    expect((await run({ code: code.alloc(28 * MB) })).output).toBe(28 * MB)
    expect((await failureOf(run({ code: code.alloc(33 * MB) }))).type).toBe(ErrorType.RESOURCE_EXHAUSTED)
  })

  it('replaces a terminated worker and keeps working', async () => {
    const replaced = host.stats().replaced
    expect((await failureOf(run({ module: 'loop', limits: { maxExecutionTimeMs: 150 } }))).type).toBe(ErrorType.TIMEOUT_ERROR)
    expect(host.stats().replaced).toBe(replaced + 1)
    expect((await failureOf(run({ code: 'for (;;) {}', limits: { maxExecutionTimeMs: 150 } }))).type).toBe(ErrorType.TIMEOUT_ERROR)
    expect((await run({ code: 'return 7' })).output).toBe(7)
  })
})
