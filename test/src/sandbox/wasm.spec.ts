import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { registerFixtures, wasmFixture } from './fixtures.js'
import { failureOf, runner } from './helpers.js'

describe('WASI modules', () => {
  const host = threadSandboxHost({ config: { allowedModules: ['*'], poolSize: 1, maxMemoryMB: 32 } })
  const run = runner(host)
  let cids: Record<string, string>
  beforeAll(async () => { cids = await registerFixtures(host) })
  afterAll(() => host.stop())

  it('reads JSON on stdin and writes JSON on stdout', async () => {
    const input = { text: 'héllo', list: [1, { deep: null }], flag: true }
    expect((await run({ module: 'echo', input })).output).toEqual(input)
  })

  it('runs a module named by CID, and turns stderr lines into logs', async () => {
    const lines: string[] = []
    const result = await run({ module: cids.sum, input: { a: 40, b: [1, 1] } }, line => lines.push(line))
    expect(result).toEqual({ output: { sum: 42 }, logs: ['summing the input'], cid: cids.sum })
    expect(lines).toEqual(['summing the input'])
  })

  it('compiles each module once and reuses it', async () => {
    const before = host.cache.compiled
    await run({ module: 'sum', input: [1] })
    await run({ module: 'sum', input: [2] })
    expect(host.cache.compiled).toBe(before)
  })

  it('reports a trap and a non-zero exit as EXECUTION_ERROR', async () => {
    const trap = await failureOf(run({ module: 'trap' }))
    expect(trap).toMatchObject({ type: ErrorType.EXECUTION_ERROR, message: expect.stringContaining('unreachable') })
    const exit = await failureOf(run({ module: 'exit-code' }))
    expect(exit).toMatchObject({ type: ErrorType.EXECUTION_ERROR, details: { exitCode: 3 } })
  })

  it('enforces the memory limit as the maximum of the module memory', async () => {
    const err = await failureOf(run({ module: 'grow-bomb', limits: { maxMemoryMB: 2 } }))
    expect(err).toMatchObject({ type: ErrorType.RESOURCE_EXHAUSTED, message: expect.stringContaining('32 pages') })
  })

  it('validates bytes and the WASI command shape before running', async () => {
    await host.registry.registerTemplate('garbage', new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 9, 9, 9]))
    expect((await failureOf(run({ module: 'garbage' }))).type).toBe(ErrorType.VALIDATION_ERROR)
    // a module with no _start export is not a command
    await host.registry.registerTemplate('library', new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1]))
    expect(await failureOf(run({ module: 'library' }))).toMatchObject({ type: ErrorType.VALIDATION_ERROR, message: expect.stringContaining('_start') })
  })

  it('refuses modules above the size limit', async () => {
    const small = threadSandboxHost({ config: { allowedModules: ['*'], maxModuleBytes: 10 } })
    await small.registry.registerTemplate('sum', await wasmFixture('sum'))
    expect((await failureOf(runner(small)({ module: 'sum' }))).type).toBe(ErrorType.RESOURCE_EXHAUSTED)
    expect(small.stats().spawned).toBe(0)
    await small.stop()
  })

  it('fails clearly for an unknown module', async () => {
    expect(await failureOf(run({ module: 'no-such-module' }))).toMatchObject({ type: ErrorType.EXECUTION_ERROR, details: { reason: 'module-not-found' } })
  })
})
