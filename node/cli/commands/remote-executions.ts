/**
 * Execution commands against a relay: `start`, `status`, `logs`, `pause`, `resume`, `abort`.
 * `--follow` shows the execution's events live until it ends (exit 0 when it completed).
 */
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { ExecutionEvent, ExecutionState } from '../../../shared/execution.js'
import { apiClient } from '../api-client.js'
import type { ApiClient, ApiOptions } from '../api-client.js'
import { followExecution, formatEvent } from '../follow.js'
import { formatState } from '../format.js'
import { CliError, EXIT, parseJsonArg, readText } from '../io.js'
import type { Output } from '../io.js'

const execPath = (id: string): string => `/api/v1/executions/${encodeURIComponent(id)}`

export interface StartOptions extends ApiOptions { context?: string, inputJson?: string, follow?: boolean }

/** `--context <file>`: `{ inputData?, variables? }` (JSON or YAML); any other object is the input data. */
async function startBody (options: StartOptions): Promise<{ inputData?: Record<string, unknown>, variables?: Record<string, unknown> }> {
  let body: { inputData?: Record<string, unknown>, variables?: Record<string, unknown> } = {}
  if (options.context != null) {
    const text = await readText(options.context, 'context file')
    let doc: unknown
    try {
      doc = extname(options.context).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
    } catch (err: any) {
      throw new CliError(`--context ${options.context}: not valid ${extname(options.context) === '.json' ? 'JSON' : 'YAML'} (${String(err?.message ?? err)})`)
    }
    if (doc == null || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`--context ${options.context}: must be an object ({ inputData, variables } or the input data itself)`)
    const keys = Object.keys(doc)
    body = keys.length > 0 && keys.every(k => k === 'inputData' || k === 'variables') ? doc as typeof body : { inputData: doc as Record<string, unknown> }
  }
  if (options.inputJson != null) body = { ...body, inputData: { ...body.inputData, ...parseJsonArg(options.inputJson, '--input-json') } }
  return body
}

async function followed (client: ApiClient, id: string, options: ApiOptions, io: Output, from = 0): Promise<number> {
  const human = options.json !== true
  const state = await followExecution(client, id, { from, onEvent: (e) => { if (human) io.err(formatEvent(e)) } })
  printState(state, options, io)
  return state.status === 'completed' ? EXIT.ok : EXIT.failed
}

export async function startCommand (flowId: string, options: StartOptions, io: Output): Promise<number> {
  const body = await startBody(options)
  const client = await apiClient(options)
  const { executionId } = await client.request<{ executionId: string }>('POST', `/api/v1/flows/${encodeURIComponent(flowId)}/start`, body)
  if (options.follow === true) {
    if (options.json !== true) io.err(`execution ${executionId}`)
    return await followed(client, executionId, options, io)
  }
  if (options.json === true) io.out(JSON.stringify({ executionId }))
  else io.out(executionId)
  return EXIT.ok
}

export async function remoteStatusCommand (id: string, options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  printState(await client.request<ExecutionState>('GET', execPath(id)), options, io)
  return EXIT.ok
}

export async function logsCommand (id: string, options: ApiOptions & { follow?: boolean }, io: Output): Promise<number> {
  const client = await apiClient(options)
  const { events } = await client.request<{ events: ExecutionEvent[] }>('GET', `${execPath(id)}/logs`)
  if (options.follow !== true) {
    if (options.json === true) io.out(JSON.stringify(events, null, 2))
    else for (const e of events) io.out(formatEvent(e))
    return EXIT.ok
  }
  // live: one line per event on stdout (JSON lines with --json), the final state's status as exit code
  const print = (e: ExecutionEvent): void => { io.out(options.json === true ? JSON.stringify(e) : formatEvent(e)) }
  for (const e of events) print(e)
  const state = await followExecution(client, id, { from: events.length, onEvent: print })
  return state.status === 'completed' ? EXIT.ok : EXIT.failed
}

export async function controlCommand (verb: 'pause' | 'resume' | 'abort', id: string, options: ApiOptions & { reason?: string, follow?: boolean }, io: Output): Promise<number> {
  const client = await apiClient(options)
  const state = await client.request<ExecutionState>('POST', `${execPath(id)}/${verb}`, verb === 'abort' && options.reason != null ? { reason: options.reason } : {})
  if (verb === 'resume' && options.follow === true) return await followed(client, id, options, io)
  printState(state, options, io)
  return EXIT.ok
}

function printState (state: ExecutionState, options: ApiOptions, io: Output): void {
  if (options.json === true) { io.out(JSON.stringify(state, null, 2)); return }
  for (const line of formatState(state)) io.out(line)
}
