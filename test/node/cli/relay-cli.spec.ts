/**
 * Every relay command of the CLI against a real relay process on 127.0.0.1 (ephemeral port):
 * flows, executions (with live following), system commands, the owner token found by itself,
 * exit codes (0 ok, 1 failed or refused, 2 usage, 3 relay unreachable) and errors that say what to do.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, qflow, spawnRelay } from '../relay/relay-process.js'
import type { CliResult, RelayProcess } from '../relay/relay-process.js'

const examples = new URL('../../../shared/examples/', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'qflow-relay-cli-'))
const data = join(scratch, 'relay-data')
const file = (name: string, text: string): string => { const p = join(scratch, name); writeFileSync(p, text); return p }

const WAITER = `id: waiter
name: Waits for go
steps:
  - { id: start, type: event-trigger, action: qflow.trigger.manual, params: {} }
  - { id: wait, type: event-trigger, action: qflow.trigger.event, params: { event: go } }
  - { id: done, type: task, action: qflow.action.complete, params: { output: { got: "\${steps.wait.output}", who: "\${input.who}" } } }
metadata: { tags: [events], category: test, visibility: private, requiredPermissions: [] }
`

let relay: RelayProcess
let env: NodeJS.ProcessEnv
let token: string
const q = async (...args: string[]): Promise<CliResult> => await qflow(args, env)
const json = <T = any>(r: CliResult): T => {
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as T
}
const trigger = async (flowId: string, event: string, payload: unknown): Promise<any> => {
  const res = await fetch(`${relay.ready.url}/api/v1/flows/${flowId}/trigger`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ event, payload })
  })
  return await res.json()
}

/** Starts `qflow <args>`; resolves `line` once a stdout line matches, `exit` with the code. */
function live (args: string[], match: RegExp): { line: Promise<string>, exit: Promise<{ code: number | null, stdout: string[] }> } {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, QFLOW_CONFIG: '', QFLOW_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: string[] = []
  let found: (l: string) => void
  const line = new Promise<string>(resolve => { found = resolve })
  createInterface({ input: child.stdout }).on('line', (l) => { stdout.push(l); if (match.test(l)) found(l) })
  child.stderr.resume()
  const exit = new Promise<{ code: number | null, stdout: string[] }>(resolve => { child.once('exit', (code) => { resolve({ code, stdout }) }) })
  return { line, exit }
}

/** A port nothing listens on (bound, then released). */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => { server.close(resolve) })
  return port
}

beforeAll(async () => {
  relay = await spawnRelay(['--data', data])
  token = readFileSync(join(data, 'owner.token'), 'utf8').trim()
  env = { QFLOW_DATA: data, QFLOW_API: relay.ready.url }
}, 60_000)

afterAll(async () => { expect(await relay.stop()).toBe(0) })

describe('qflow against a relay', { timeout: 180_000 }, () => {
  it('creates, lists (with filters), shows, updates and deletes flows', async () => {
    const created = await q('create', join(examples, 'hello-world.yaml'))
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toContain('created flow hello-world (Hello world)')
    expect(json(await q('create', file('waiter.yaml', WAITER), '--json')).flow.id).toBe('waiter')

    const list = await q('list')
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+VERSION\s+VISIBILITY\s+CATEGORY\s+TAGS$/)
    expect(list.stdout).toMatch(/hello-world\s+Hello world/)
    expect(json<Array<{ id: string }>>(await q('list', '--tag', 'events', '--json')).map(f => f.id)).toEqual(['waiter'])
    expect(json<unknown[]>(await q('list', '--visibility', 'dao-only', '--json'))).toEqual([])
    const badFilter = await q('list', '--visibility', 'secret')
    expect(badFilter.code).toBe(1)
    expect(badFilter.stderr).toContain('visibility: must be one of')

    const show = await q('show', 'waiter')
    expect(show.stdout).toContain('waiter: Waits for go')
    expect(show.stdout).toMatch(/wait\s+event-trigger\s+qflow\.trigger\.event/)

    const updated = json(await q('update', 'waiter', file('waiter2.yaml', WAITER.replace('name: Waits for go', 'name: Waits for go (v2)')), '--json'))
    expect(updated.flow.name).toBe('Waits for go (v2)')
    expect(json(await q('show', 'waiter', '--json')).versions).toHaveLength(2)

    const doomed = file('doomed.yaml', WAITER.replace('id: waiter', 'id: doomed'))
    expect((await q('create', doomed)).code).toBe(0)
    expect((await q('delete', 'doomed')).stdout).toContain('deleted flow doomed')
    const gone = await q('show', 'doomed')
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('no flow with id "doomed"')
  })

  it('starts an execution and follows it live to its output (exit 0)', async () => {
    const started = json<{ executionId: string }>(await q('start', 'hello-world', '--input-json', '{"name":"Ada"}', '--json'))
    const followed = await q('start', 'hello-world', '--context', file('ctx.json', '{"inputData":{"name":"Grace"}}'), '--follow')
    expect(followed.code, followed.stderr).toBe(0)
    expect(followed.stderr).toMatch(/✔ greet/)
    expect(followed.stdout).toContain('✔ hello-world: completed')
    expect(followed.stdout).toContain('"greeting":"Hello, Grace!"')
    const status = json(await q('status', started.executionId, '--json'))
    expect(status).toMatchObject({ executionId: started.executionId, flowId: 'hello-world' })
    const logs = json<Array<{ type: string }>>(await q('logs', started.executionId, '--json'))
    expect(logs[0].type).toBe('execution.started')
  })

  it('pauses, resumes and aborts an execution waiting for an event; logs --follow streams until it ends', async () => {
    const { executionId } = json<{ executionId: string }>(await q('start', 'waiter', '--json'))
    const follow = live(['logs', executionId, '--follow'], /waits for the event "go"/)
    await follow.line
    expect(json(await q('pause', executionId, '--json')).status).toBe('paused')
    const paused = await q('status', executionId)
    expect(paused.stdout).toMatch(/waiter: paused/)
    expect(json(await q('resume', executionId, '--json')).status).toBe('running')
    expect(await trigger('waiter', 'go', { ok: true })).toEqual({ delivered: 1 })
    const ended = await follow.exit
    expect(ended.code).toBe(0)
    expect(ended.stdout.join('\n')).toContain('✉ wait received "go"')
    expect(json(await q('status', executionId, '--json'))).toMatchObject({ status: 'completed', output: { got: { ok: true } } })

    const other = json<{ executionId: string }>(await q('start', 'waiter', '--input-json', '{"who":"x"}', '--json')).executionId
    const aborted = await q('abort', other, '--reason', 'not needed')
    expect(aborted.code).toBe(0)
    expect(aborted.stdout).toContain('waiter: aborted')
    const followAborted = await q('logs', other, '--follow')
    expect(followAborted.code).toBe(1) // following an execution that did not complete exits 1
  })

  it('reports health, metrics and nodes', async () => {
    const health = await q('health')
    expect(health.code).toBe(0)
    expect(health.stdout).toContain(`relay ${relay.ready.url}: ok`)
    expect(json(await q('health', '--json')).status).toBe('ok')
    const metrics = await q('metrics')
    expect(metrics.code).toBe(0)
    expect(metrics.stdout.split('\n')[0]).toMatch(/^METRIC\s+VALUE$/)
    expect(typeof json(await q('metrics', '--json'))).toBe('object')
    const nodes = await q('nodes')
    expect(nodes.code, nodes.stderr).toBe(0)
    expect(nodes.stdout).toMatch(/^(NODE\s+STATUS\s+ADDRESSES|no nodes known: the relay at .* runs without a peer-to-peer network)$/m)
  })

  it('exits 3 with what to do when no relay answers, 2 on bad usage, 1 without the token', async () => {
    const closed = await freePort()
    const down = await qflow(['list', '--api', `http://127.0.0.1:${closed}`], { QFLOW_DATA: data })
    expect(down.code).toBe(3)
    expect(down.stderr).toContain(`cannot reach the relay at http://127.0.0.1:${closed} (ECONNREFUSED)`)
    expect(down.stderr).toContain('start one with `qflow relay`, or pass --api <url>')
    expect((await q('start')).code).toBe(2)
    expect((await q('list', '--api', 'not a url')).code).toBe(2)
    const noToken = await qflow(['create', file('x.yaml', WAITER.replace('id: waiter', 'id: x'))], { QFLOW_API: relay.ready.url, QFLOW_DATA: join(scratch, 'elsewhere') })
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toContain('pass --token <token>')
    const withFlag = await qflow(['create', join(scratch, 'x.yaml'), '--token', token], { QFLOW_API: relay.ready.url, QFLOW_DATA: join(scratch, 'elsewhere') })
    expect(withFlag.code, withFlag.stderr).toBe(0)
  })
})
