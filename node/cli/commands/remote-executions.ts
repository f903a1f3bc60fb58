/**
 * Execution commands against a relay: `start`, `status`, `logs`, `pause`, `resume`, `abort`.
 * `--follow` shows the execution's events live until it ends (exit 0 when it completed).
 *
 * `start --sign-as <identity>` signs the start operation here, as a keystore identity (with the
 * grants of `--grants <file>`), so the relay admits the execution as that identity rather than
 * signing for the token's holder; the execution id is picked here (the signature names it). The
 * signature binds the flow definition too: the flow is fetched from the relay
 * (`GET /api/v1/flows/<id>`) and its CID computed here (`flowCid`), so the actor signs the flow
 * it was shown. A flow changed in between, or shown redacted (webhook secrets of a flow the
 * caller does not manage), is refused at start (`admission_mismatch`, naming both CIDs).
 */
import { randomUUID } from 'node:crypto'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Operation, SignedGrant } from '../../../shared/trust.js'
import { GrantSchema } from '../../api/operation-body.js'
import type { ExecutionEvent, ExecutionState } from '../../../shared/execution.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import { apiClient } from '../api-client.js'
import type { ApiClient, ApiOptions } from '../api-client.js'
import { followExecution, formatEvent } from '../follow.js'
import { formatState } from '../format.js'
import { CliError, EXIT, parseJsonArg, readText } from '../io.js'
import type { Output } from '../io.js'

const execPath = (id: string): string => `/api/v1/executions/${encodeURIComponent(id)}`

export interface StartOptions extends ApiOptions {
  context?: string
  inputJson?: string
  follow?: boolean
  /** Sign the start as this keystore identity (name or did). */
  signAs?: string
  /** JSON or YAML: the signed grants (one or a list) presented with the signed start. */
  grants?: string
  keystore?: string
  passphraseEnv?: string
  passphraseFile?: string
}

const Grants = z.array(GrantSchema).max(32, { error: 'at most 32 grants' })

/** `--grants <file>`: one signed grant or a list, JSON or YAML. */
async function readGrants (file: string): Promise<SignedGrant[]> {
  const text = await readText(file, 'grants file')
  let doc: unknown
  try {
    doc = parseYaml(text) // JSON is YAML
  } catch (err: any) {
    throw new CliError(`--grants ${file}: not valid JSON or YAML (${String(err?.message ?? err)})`)
  }
  const list = Array.isArray(doc)
  const parsed = Grants.safeParse(list ? doc : [doc])
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    // a single grant's fields are named without the list index
    const path = (list ? issue.path : issue.path.slice(1)).join('.')
    throw new CliError(`--grants ${file}: ${path !== '' ? `${path}: ` : ''}${issue.message} (a signed grant, or a list of them)`)
  }
  return parsed.data
}

/**
 * The start operation `options.signAs` signs for `flowId` (as the relay shows it) with
 * `inputData`, and its label. The identity and grants are loaded first: nothing is sent when
 * they are wrong.
 */
async function signedStart (client: ApiClient, flowId: string, inputData: Record<string, unknown>, options: StartOptions & { signAs: string }): Promise<{ operation: Operation, label: string }> {
  // loaded on use: the keystore and signing are only needed here
  const { loadSigner } = await import('../trust-session.js')
  const { signStart } = await import('../../../src/trust/index.js')
  const grants = options.grants != null ? await readGrants(options.grants) : []
  const { identity, label } = await loadSigner(options)
  const { flow, flowCid } = await client.request<{ flow: FlowDefinition, flowCid?: string }>('GET', `/api/v1/flows/${encodeURIComponent(flowId)}`)
  if (flow == null || typeof flow !== 'object' || flow.id !== flowId) throw new CliError(`the relay answered GET /api/v1/flows/${flowId} without flow ${flowId}: there is no flow definition to sign for`)
  // the relay names the CID of the definition it runs (it may hide webhook secrets from this caller); an older relay does not
  const bound = typeof flowCid === 'string' && flowCid.startsWith('bafy') ? flowCid : flow
  // the id format of the engine's own (`randomIds`)
  const operation = await signStart(identity, { flowId, flow: bound, executionId: `exec-${randomUUID()}`, inputData, grants })
  return { operation, label }
}

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
  const body: Record<string, unknown> = await startBody(options)
  if (options.signAs == null && options.grants != null) throw new CliError('--grants: grants are presented with a signed start: add --sign-as <identity>')
  const client = await apiClient(options)
  const signed = options.signAs != null ? await signedStart(client, flowId, (body.inputData ?? {}) as Record<string, unknown>, { ...options, signAs: options.signAs }) : undefined
  if (signed != null) body.operation = signed.operation
  const { executionId, actor } = await client.request<{ executionId: string, actor?: string }>('POST', `/api/v1/flows/${encodeURIComponent(flowId)}/start`, body)
  const admitted = signed != null ? ` (admitted as ${signed.label})` : ''
  if (options.follow === true) {
    if (options.json !== true) io.err(`execution ${executionId}${admitted}`)
    return await followed(client, executionId, options, io)
  }
  if (options.json === true) io.out(JSON.stringify({ executionId, ...(actor != null ? { actor } : {}) }))
  else {
    io.out(executionId)
    if (signed != null) io.err(`started${admitted}`)
  }
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
