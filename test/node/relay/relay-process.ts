/**
 * A real relay process (`qflow relay`) on 127.0.0.1 with an ephemeral port, and the `qflow` CLI
 * run against it. The relay prints one JSON line when ready; its JSON logs are on stderr and
 * tests wait on their lines (never on time).
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export const bin = new URL('../../../node/cli/bin.mjs', import.meta.url).pathname

export interface ReadyLine { event: 'relay:ready', url: string, port: number, dataDir: string | null, owner: string, tokenFile?: string, token?: string, schedules: string[] }

export interface RelayProcess {
  ready: ReadyLine
  child: ChildProcess
  /** Every stderr line so far (JSON log lines, and whatever else Node prints there). */
  logs: string[]
  /** The stderr lines that are JSON log entries. */
  entries(): Array<Record<string, any>>
  /** Resolves with the first log line (past or future) matching. */
  waitForLog(match: (line: Record<string, any>) => boolean): Promise<Record<string, any>>
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>
}

export interface CliResult { code: number, stdout: string, stderr: string }

/** Starts `qflow relay` with `args` (add `--port 0 --p2p-port 0` yourself or keep the defaults). */
export async function spawnRelay (args: string[], env: NodeJS.ProcessEnv = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [bin, 'relay', '--host', '127.0.0.1', '--port', '0', '--p2p-port', '0', ...args], {
    env: { ...process.env, QFLOW_CONFIG: '', QFLOW_NETWORKING_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs: string[] = []
  const waiters: Array<{ match: (l: Record<string, any>) => boolean, resolve: (l: Record<string, any>) => void }> = []
  const parse = (line: string): Record<string, any> | undefined => { try { return JSON.parse(line) } catch { return undefined } }
  createInterface({ input: child.stderr! }).on('line', (line) => {
    logs.push(line)
    const parsed = parse(line)
    if (parsed == null) return
    for (const w of [...waiters]) {
      if (w.match(parsed)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(parsed) }
    }
  })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => { resolve(JSON.parse(line) as ReadyLine) })
    void exited.then((code) => { reject(new Error(`relay exited with ${String(code)} before it was ready:\n${logs.join('\n')}`)) })
  })
  return {
    ready,
    child,
    logs,
    entries: () => logs.map(parse).filter((l): l is Record<string, any> => l != null),
    waitForLog: async (match) => {
      for (const line of logs) { const parsed = parse(line); if (parsed != null && match(parsed)) return parsed }
      return await new Promise(resolve => { waiters.push({ match, resolve }) })
    },
    stop: async () => {
      if (child.exitCode == null) child.kill('SIGTERM')
      return await exited
    }
  }
}

/** Runs `qflow <args>` to completion. */
export async function qflow (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return await new Promise(resolve => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000, env: { ...process.env, QFLOW_CONFIG: '', QFLOW_TOKEN: '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout, stderr })
    })
  })
}

/** One JSON API call to a relay with a bearer token. */
export async function apiCall (url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  return { status: res.status, body: await res.json() }
}

/** The relay's `network started` log line: its peer id, libp2p addresses and subnets. */
export async function networkStarted (relay: RelayProcess): Promise<Record<string, any>> {
  return await relay.waitForLog(l => l.msg === 'network started')
}
