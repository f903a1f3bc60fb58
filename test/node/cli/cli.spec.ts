/**
 * The CLI as users run it: a child process of the `qflow` bin on the example flows.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const bin = new URL('../../../node/cli/bin.mjs', import.meta.url).pathname
const examples = new URL('../../../shared/examples/', import.meta.url).pathname

const scratch = mkdtempSync(join(tmpdir(), 'qflow-cli-'))

function qflow (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000, env: { ...process.env, QFLOW_DATA: join(scratch, 'default-data') } }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout, stderr })
    })
  })
}

function file (name: string, text: string): string {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

describe('qflow run on the example flows', () => {
  const cases: Array<{ name: string, args: string[], output: unknown }> = [
    { name: 'hello-world.yaml', args: ['--input-json', '{"name":"Ada"}'], output: { greeting: 'Hello, Ada!', length: 3 } },
    { name: 'conditions.yaml', args: ['--input-json', '{"amount":5,"region":"eu","copies":2}'], output: { size: 'small', datacenter: 'Frankfurt', copies: 2 } },
    { name: 'parallel.yaml', args: ['--input-json', '{"n":4}'], output: { branches: ['slow branch done', 16, { message: 'third branch' }] } },
    { name: 'retries-and-errors.yaml', args: [], output: { recovered: true, cause: 'network_error', message: 'upstream unavailable' } },
    { name: 'event-wait.yaml', args: ['--input-json', '{"orderId":7}'], output: { expired: 7, reason: 'timeout_error' } },
    { name: 'module-call.yaml', args: ['--with', join(examples, 'quote-child.yaml'), '--input-json', '{"net":10}'], output: { net: 10, gross: 12 } },
    { name: 'function.yaml', args: ['--input-json', '{"items":[{"name":"b","price":2,"qty":3},{"name":"a","price":1.5,"qty":2}]}'], output: { total: 9, biggest: 'a' } }
  ]
  for (const c of cases) {
    it(`${c.name} completes with the expected output`, async () => {
      const { code, stdout, stderr } = await qflow('run', join(examples, c.name), '--memory', '--json', ...c.args)
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const state = JSON.parse(stdout)
      expect(state.status).toBe('completed')
      expect(state.output).toEqual(c.output)
      expect(Object.keys(state)).toEqual(expect.arrayContaining(['executionId', 'flowId', 'status', 'currentStep', 'completedSteps', 'failedSteps', 'context', 'startTime', 'endTime', 'checkpoints', 'nodeAssignments', 'output', 'steps']))
    })
  }

  it('prints a readable summary and exits 1 when the flow fails', async () => {
    const f = file('fails.yaml', 'name: Fails\nsteps:\n  - { id: boom, type: task, action: qflow.action.fail, params: { message: "nope" } }\nmetadata: { tags: [], category: t, visibility: private, requiredPermissions: [] }\n')
    const { code, stdout, stderr } = await qflow('run', f, '--memory')
    expect(code).toBe(1)
    expect(stdout).toContain('✖ fails: failed')
    expect(stdout).toContain('error: execution_error: nope (step boom)')
    expect(stderr).toContain('leaves out id, version, owner, createdAt, updatedAt')
  })

  it('shows the sandboxed function console output as step logs', async () => {
    const { code, stdout } = await qflow('run', join(examples, 'function.yaml'), '--memory', '--json', '--input-json', '{"items":[{"name":"x","price":1,"qty":1}]}')
    expect(code).toBe(0)
    expect(JSON.parse(stdout).steps.totals.logs).toEqual(['1 items, total 1'])
  })

  it('reads input from a JSON file', async () => {
    const input = file('input.json', '{"name":"Grace"}')
    const { code, stdout } = await qflow('run', join(examples, 'hello-world.yaml'), '--input', input, '--memory', '--json')
    expect(code).toBe(0)
    expect(JSON.parse(stdout).output.greeting).toBe('Hello, Grace!')
  })

  it('the demo (npm start) runs the hello-world flow', async () => {
    const { code, stdout } = await qflow('demo')
    expect(code).toBe(0)
    expect(stdout).toContain('output: {"greeting":"Hello, Qflow!","length":5}')
  })
})

describe('qflow validate', () => {
  it('exits 0 for every example', async () => {
    for (const name of ['hello-world.yaml', 'conditions.yaml', 'parallel.yaml', 'retries-and-errors.yaml', 'event-wait.yaml', 'module-call.yaml', 'quote-child.yaml', 'function.yaml']) {
      const { code, stdout } = await qflow('validate', join(examples, name), '--json')
      expect(code, name).toBe(0)
      expect(JSON.parse(stdout)).toMatchObject({ valid: true, errors: [] })
    }
  })

  it('lists every problem with its path and exits 1', async () => {
    const f = file('bad.yaml', [
      'name: Bad', 'steps:',
      '  - { id: a, type: task, action: qflow.action.log, params: { message: hi }, retryPolicy: { maxAttempts: 0 }, onSuccess: ghost }',
      '  - { id: a, type: task, action: qflow.action.nope, params: {} }',
      'metadata: { tags: [], category: t, visibility: secret, requiredPermissions: [] }'
    ].join('\n'))
    const { code, stdout } = await qflow('validate', f, '--json')
    expect(code).toBe(1)
    const report = JSON.parse(stdout)
    expect(report.valid).toBe(false)
    const paths = report.errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['steps[0].retryPolicy.maxAttempts', 'steps[0].onSuccess', 'steps[1].id', 'steps[1].action', 'metadata.visibility']))
    expect(report.errors.find((e: { path: string }) => e.path === 'steps[0].retryPolicy.maxAttempts').message).toBe('must be an integer >= 1')
  })

  it('reports bad YAML and bad JSON with line and column', async () => {
    const y = await qflow('validate', file('broken.yaml', 'name: x\nsteps:\n  - id: a\n   type: task\n'))
    expect(y.code).toBe(1)
    expect(y.stdout + y.stderr).toMatch(/broken\.yaml:\d+:\d+: /)
    const j = await qflow('validate', file('broken.json', '{\n  "name": "x",\n  "steps": [,]\n}'), '--json')
    expect(j.code).toBe(1)
    expect(JSON.parse(j.stdout).errors[0].message).toMatch(/broken\.json:3:\d+: /)
  })

  it('says clearly when the file is missing', async () => {
    const { code, stderr } = await qflow('validate', join(scratch, 'missing.yaml'))
    expect(code).toBe(2)
    expect(stderr).toContain(`cannot read flow file '${join(scratch, 'missing.yaml')}': no such file`)
  })

  it('rejects malformed --input-json with a clear message', async () => {
    const { code, stderr } = await qflow('run', join(examples, 'hello-world.yaml'), '--memory', '--input-json', '{oops')
    expect(code).toBe(2)
    expect(stderr).toMatch(/--input-json: not valid JSON/)
  })
})
