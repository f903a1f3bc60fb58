/**
 * Relay benchmark: `POST /api/v1/webhooks/:flowId?wait=true` → `qflow.action.function` (a tiny
 * sum in the sandbox) → the flow's output as the synchronous answer, at concurrency 1 and 50
 * (autocannon), against a relay process on a data directory (durable) and one in memory
 * (ephemeral), with a raw `node:http` hello-world server process measured in the same run as
 * the physical limit. Prints req/s, p50, p99 and the ratio to raw for each figure, and (on Linux)
 * the server process's CPU time per request, which other load on the machine disturbs less.
 * Goals: durable >= 25% of raw, ephemeral >= 50% of raw.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
// @ts-ignore: autocannon ships no types
import autocannon from 'autocannon'
import { spawnRelay } from '../node/relay/relay-process.js'
import type { RelayProcess } from '../node/relay/relay-process.js'
import { figure, fmt } from './stats.js'

const SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 3)
const BODY = JSON.stringify({ a: 20, b: 22 })

const FLOW = {
  id: 'sum',
  name: 'Webhook sum',
  steps: [
    { id: 'hook', type: 'event-trigger', action: 'qflow.trigger.webhook', params: {} },
    { id: 'sum', type: 'task', action: 'qflow.action.function', params: { input: { a: '${input.body.a}', b: '${input.body.b}' }, code: 'return { sum: input.a + input.b }' } },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: '${steps.sum.output}' } }
  ],
  metadata: { tags: ['bench'], category: 'bench', visibility: 'private', requiredPermissions: [] }
}

/** The same webhook round trip without the sandbox step: separates the relay's cost from the sandbox's. */
const PLAIN_FLOW = {
  ...FLOW,
  id: 'plain',
  name: 'Webhook echo',
  steps: [FLOW.steps[0], { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { sum: '${input.body.a + input.body.b}' } } }]
}

const RAW_SERVER = `
const http = require('node:http')
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"hello":"world"}') })
})
server.listen(0, '127.0.0.1', () => { process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port }) + '\\n') })
process.on('SIGTERM', () => { server.close(); process.exit(0) })
`

interface Result { rps: number, p50: number, p99: number, errors: number, cpuMs?: number }

/** CPU time (all threads) of a process in ms, from `/proc` (Linux), or undefined elsewhere. */
function processCpuMs (pid: number | undefined): number | undefined {
  if (pid == null || !existsSync(`/proc/${pid}/stat`)) return undefined
  // utime and stime: fields 14 and 15, after the parenthesised command name
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / clockTicks()
}
let ticks: number | undefined
function clockTicks (): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
  return ticks
}

/** `pid`: the server's process, whose CPU per request is measured too (robust to other load on the machine). */
async function cannon (url: string, connections: number, pid?: number): Promise<Result> {
  const options = { url, connections, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } }
  await autocannon({ ...options, duration: 1 }) // warm-up: JIT, sandbox workers, file handles
  const cpu0 = processCpuMs(pid)
  const r = await autocannon({ ...options, duration: SECONDS })
  const cpu1 = processCpuMs(pid)
  const cpuMs = cpu0 != null && cpu1 != null && r.requests.total > 0 ? (cpu1 - cpu0) / r.requests.total : undefined
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, ...(cpuMs != null ? { cpuMs } : {}) }
}

const cpuText = (r: Result): string => r.cpuMs != null ? `, server CPU ${r.cpuMs.toFixed(3)} ms/request` : ''

async function rawServer (): Promise<{ url: string, pid?: number, stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', RAW_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
  const { url } = await new Promise<{ url: string }>((resolve) => { createInterface({ input: child.stdout }).once('line', (l) => { resolve(JSON.parse(l)) }) })
  return { url, ...(child.pid != null ? { pid: child.pid } : {}), stop: async () => { const exited = new Promise(r => child.once('exit', r)); child.kill('SIGTERM'); await exited } }
}

async function relayWithFlow (args: string[]): Promise<{ relay: RelayProcess, url: string, plain: string }> {
  // function steps need code approval on a relay: the bench's own code is allowed outright
  const relay = await spawnRelay([...args, '--log-level', 'warn'], { QFLOW_SANDBOX_ALLOWED_MODULES: '*' })
  const token = relay.ready.token ?? readFileSync(relay.ready.tokenFile as string, 'utf8').trim()
  for (const flow of [FLOW, PLAIN_FLOW]) {
    const res = await fetch(`${relay.ready.url}/api/v1/flows`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(flow) })
    if (res.status !== 201) throw new Error(`creating the bench flow failed: ${res.status} ${await res.text()}`)
    const check = await fetch(`${relay.ready.url}/api/v1/webhooks/${flow.id}?wait=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
    const answer = await check.text()
    if (check.status !== 200 || JSON.parse(answer).sum !== 42) throw new Error(`the bench flow ${flow.id} does not answer { sum: 42 }: ${check.status} ${answer}`)
  }
  return { relay, url: `${relay.ready.url}/api/v1/webhooks/sum?wait=true`, plain: `${relay.ready.url}/api/v1/webhooks/plain?wait=true` }
}

export async function benchRelay (print: (line: string) => void): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'qflow-bench-relay-'))
  const raw = await rawServer()
  const base = new Map<number, Result>()
  try {
    for (const connections of [1, 50]) {
      const r = await cannon(raw.url, connections, raw.pid)
      base.set(connections, r)
      print(`relay c=${connections} raw node:http: ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${cpuText(r)}`)
    }
  } finally {
    await raw.stop()
  }
  // one relay at a time, so that one mode's background work (persistence) does not slow the other
  for (const [mode, args, goal] of [['durable', ['--data', data], 25], ['ephemeral', ['--memory'], 50]] as const) {
    const target = await relayWithFlow([...args])
    try {
      for (const connections of [1, 50]) {
        const r = await cannon(target.url, connections, target.relay.child.pid)
        const ratio = 100 * r.rps / (base.get(connections) as Result).rps
        print(`relay c=${connections} ${mode} webhook→function→response: ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.errors > 0 ? `, ${r.errors} errors` : ''}${cpuText(r)}; ` +
          figure('ratio to raw', ratio, '%', { op: '>=', value: goal }))
      }
      const plain = await cannon(target.plain, 50, target.relay.child.pid)
      print(`relay c=50 ${mode} webhook→complete, no sandbox (breakdown): ${fmt(plain.rps)} req/s, p50 ${plain.p50} ms, p99 ${plain.p99} ms${cpuText(plain)}, ${fmt(100 * plain.rps / (base.get(50) as Result).rps)} % of raw`)
    } finally {
      await target.relay.stop()
    }
  }
  rmSync(data, { recursive: true, force: true })
}
