/**
 * The CLI against a data directory: durable runs, listing, status with checkpoints,
 * restore, resume after a killed process, CAR export/import and key rotation.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const bin = new URL('../../../node/cli/bin.mjs', import.meta.url).pathname
const examples = new URL('../../../shared/examples/', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'qflow-durable-cli-'))

function qflow (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout, stderr })
    })
  })
}

const json = <T = any>(text: string): T => JSON.parse(text) as T

describe('qflow on a data directory', () => {
  it('runs durably, lists, shows checkpoints and restores one', async () => {
    const data = join(scratch, 'a')
    const run = await qflow('run', join(examples, 'hello-world.yaml'), '--data', data, '--input-json', '{"name":"Ada"}', '--json')
    expect(run.code).toBe(0)
    const state = json(run.stdout)
    const list = json<Array<{ executionId: string, status: string }>>((await qflow('executions', '--data', data, '--json')).stdout)
    expect(list).toEqual([expect.objectContaining({ executionId: state.executionId, status: 'completed' })])
    const status = json((await qflow('status', state.executionId, '--data', data, '--json')).stdout)
    expect(status).toEqual(state)
    expect(state.checkpoints.length).toBeGreaterThanOrEqual(2)
    const restored = await qflow('restore', state.executionId, state.checkpoints[0].checkpointId, '--data', data, '--json')
    expect(restored.code).toBe(0)
    const after = json(restored.stdout)
    expect(after.status).toBe('completed')
    expect(after.output).toEqual(state.output)
    expect(after.checkpoints.length).toBeGreaterThan(state.checkpoints.length)
  })

  it('resumes an execution whose process was killed mid-flow', async () => {
    const data = join(scratch, 'b')
    const flowFile = join(scratch, 'slow.yaml')
    writeFileSync(flowFile, [
      'name: Slow', 'steps:',
      '  - { id: first, type: task, action: qflow.action.log, params: { message: first } }',
      '  - { id: wait, type: task, action: qflow.action.delay, params: { ms: 1500 } }',
      '  - { id: last, type: task, action: qflow.action.complete, params: { output: done } }',
      'metadata: { tags: [], category: t, visibility: private, requiredPermissions: [] }'
    ].join('\n'))
    const child = spawn(process.execPath, [bin, 'run', flowFile, '--data', data], { stdio: ['ignore', 'ignore', 'pipe'] })
    // kill -9 once the durable log holds the delay's timer (the progress line comes after it is stored)
    const id = await new Promise<string>((resolve, reject) => {
      let seen = ''
      child.stderr.on('data', (chunk) => {
        seen += String(chunk)
        const started = /▶ execution (\S+)/.exec(seen)
        if (started != null && seen.includes('⏲ wait')) resolve(started[1])
      })
      child.once('exit', () => { reject(new Error(`qflow run ended early: ${seen}`)) })
    })
    child.kill('SIGKILL')
    await new Promise(resolve => child.once('exit', resolve))
    const listed = json<Array<{ executionId: string, status: string }>>((await qflow('executions', '--data', data, '--active', '--json')).stdout)
    expect(listed).toEqual([expect.objectContaining({ executionId: id, status: 'running' })])
    const resumed = await qflow('resume', id, '--data', data, '--json')
    expect(resumed.code).toBe(0)
    const state = json(resumed.stdout)
    expect(state.status).toBe('completed')
    expect(state.output).toBe('done')
    expect(state.steps.first.attempts).toBe(1)
    expect(state.completedSteps).toEqual(['first', 'wait', 'last'])
  }, 60_000)

  it('exports an execution as a CAR file and imports it elsewhere; rotates keys', async () => {
    const data = join(scratch, 'c')
    const run = json((await qflow('run', join(examples, 'parallel.yaml'), '--data', data, '--input-json', '{"n":3}', '--json')).stdout)
    const car = join(scratch, 'exec.car')
    expect((await qflow('export', run.executionId, '--out', car, '--data', data)).code).toBe(0)
    const other = join(scratch, 'd')
    const imported = await qflow('import', car, '--data', other)
    expect(imported.code).toBe(0)
    expect(imported.stdout).toContain(`imported execution ${run.executionId}`)
    expect(json((await qflow('executions', '--data', other, '--json')).stdout)).toEqual([expect.objectContaining({ executionId: run.executionId, status: 'completed' })])
    // keys travel separately (a CAR holds ciphertext only): without the owner's key it says so
    const locked = await qflow('status', run.executionId, '--data', other)
    expect(locked.code).toBe(1)
    expect(locked.stderr).toMatch(/cannot decrypt .* the keyring has no key/)
    // re-importing into the source is a no-op that keeps everything readable
    expect((await qflow('import', car, '--data', data)).stdout).toContain('already up to date')
    const rotated = await qflow('keys', 'rotate', '--data', data)
    expect(rotated.code).toBe(0)
    expect(json((await qflow('status', run.executionId, '--data', data, '--json')).stdout)).toEqual(run)
    expect((await qflow('import', join(scratch, 'missing.car'), '--data', other)).stderr).toContain('no such file')
  }, 60_000)

  it('prunes old finished executions and says what it dropped', async () => {
    const data = join(scratch, 'f')
    for (let i = 0; i < 3; i++) expect((await qflow('run', join(examples, 'hello-world.yaml'), '--data', data, '--checkpoint-interval', '60000')).code).toBe(0)
    expect(json<unknown[]>((await qflow('executions', '--data', data, '--json')).stdout)).toHaveLength(3)
    const pruned = await qflow('prune', '--max-count', '1', '--data', data)
    expect(pruned.code).toBe(0)
    expect(pruned.stdout).toMatch(/pruned 2 execution\(s\), collected [1-9]\d* block\(s\)/)
    expect(json<unknown[]>((await qflow('executions', '--data', data, '--json')).stdout)).toHaveLength(1)
    expect((await qflow('prune', '--data', data)).stderr).toContain('say what to keep')
    expect((await qflow('prune', '--max-age', 'soon', '--data', data)).stderr).toContain("'soon' is not a duration")
  }, 60_000)

  it('refuses a data directory another live process holds', async () => {
    const data = join(scratch, 'e')
    const flowFile = join(scratch, 'waits.yaml')
    writeFileSync(flowFile, 'name: W\nsteps:\n  - { id: d, type: task, action: qflow.action.delay, params: { ms: 60000 } }\nmetadata: { tags: [], category: t, visibility: private, requiredPermissions: [] }\n')
    const child = spawn(process.execPath, [bin, 'run', flowFile, '--data', data], { stdio: ['ignore', 'ignore', 'pipe'] })
    try {
      await new Promise<void>(resolve => { child.stderr.on('data', (chunk) => { if (String(chunk).includes('⏲')) resolve() }) })
      const second = await qflow('executions', '--data', data)
      expect(second.code).toBe(2)
      expect(second.stderr).toMatch(/is in use by process \d+/)
    } finally {
      child.kill('SIGKILL')
    }
  }, 60_000)
})
