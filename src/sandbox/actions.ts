/**
 * `qflow.action.function` and `qflow.action.wasm` on top of any SandboxHost. They replace the
 * engine's "sandbox unavailable" placeholders when a host is injected.
 */
import { z } from 'zod'
import type { ActionContext, ActionDefinition } from '../interface/action.js'
import type { SandboxHost, SandboxRequest } from '../interface/sandbox-host.js'

export interface SandboxActionsOptions {
  /** The flow's DAO subnet for the code whitelist (a fixed value or read from the context). */
  daoSubnet?: string | ((ctx: ActionContext) => string | undefined)
}

const functionParams = z.object({
  code: z.string({ error: 'must be JavaScript source' }).min(1, { error: 'must not be empty' }),
  input: z.unknown().optional()
}).loose()

const wasmParams = z.object({
  module: z.string({ error: 'must be a module CID or template name' }).min(1, { error: 'must not be empty' }),
  input: z.unknown().optional()
}).loose()

export function sandboxActions (host: SandboxHost, options: SandboxActionsOptions = {}): ActionDefinition[] {
  async function run (request: Pick<SandboxRequest, 'kind' | 'code' | 'module' | 'input'>, ctx: ActionContext): Promise<unknown> {
    const daoSubnet = typeof options.daoSubnet === 'function' ? options.daoSubnet(ctx) : options.daoSubnet ?? ctx.daoSubnet
    let streamed = 0
    const result = await host.run({
      ...request,
      limits: ctx.step?.resourceLimits ?? {},
      daoSubnet,
      idempotencyKey: ctx.idempotencyKey,
      context: { executionId: ctx.executionId, flowId: ctx.flowId, stepId: ctx.stepId, attempt: ctx.attempt }
    }, { signal: ctx.signal, onLog: line => { streamed++; ctx.log(line) } })
    // a host that does not stream its logs still returns them
    for (const line of result.logs.slice(streamed)) ctx.log(line)
    return result.output
  }

  return [
    {
      name: 'qflow.action.function',
      stepTypes: ['task'],
      params: functionParams,
      // JavaScript source: its own `${…}` template literals are not Qflow expressions
      rawParams: ['code'],
      run: (params, ctx) => run({ kind: 'function', code: String(params.code), input: params.input ?? {} }, ctx)
    },
    {
      name: 'qflow.action.wasm',
      stepTypes: ['task'],
      params: wasmParams,
      run: (params, ctx) => run({ kind: 'wasm', module: String(params.module), input: params.input ?? {} }, ctx)
    }
  ]
}
