import { z } from 'zod'
import { ErrorType } from '../../../shared/errors.js'
import type { ActionDefinition } from '../../interface/action.js'
import { StepError } from '../../errors.js'
import { nonNegativeMs, orExpr } from './params.js'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const

const paramsSchema = z.object({
  url: orExpr(z.string({ error: 'must be a URL' }).url({ error: 'must be an absolute URL' })),
  method: orExpr(z.enum(METHODS, { error: `must be one of ${METHODS.join(', ')}` })).optional(),
  headers: z.record(z.string(), z.unknown(), { error: 'must be an object of header names to values' }).optional(),
  body: z.unknown().optional(),
  timeoutMs: nonNegativeMs.optional(),
  failOnStatus: orExpr(z.boolean({ error: 'must be true or false' })).optional()
}).loose()

function hostOf (url: unknown): string {
  try { return new URL(String(url)).host } catch { return String(url) }
}

/**
 * `qflow.action.http`: `params.url`, `method`, `headers`, `body`, `timeoutMs`. Output
 * `{ status, headers, body }`, the body parsed as JSON when it is JSON. A status >= 400
 * fails the step (5xx and 429 retryable) unless `failOnStatus: false`.
 */
export const httpAction: ActionDefinition = {
  name: 'qflow.action.http',
  stepTypes: ['task'],
  params: paramsSchema,
  target: (params) => `http:${hostOf(params.url)}`,
  async run (params, ctx) {
    const method = String(params.method ?? 'GET').toUpperCase()
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries((params.headers ?? {}) as Record<string, unknown>)) headers[k] = String(v)
    let body: string | undefined
    if (params.body !== undefined && method !== 'GET' && method !== 'HEAD') {
      if (typeof params.body === 'string') body = params.body
      else {
        body = JSON.stringify(params.body)
        if (!Object.keys(headers).some(k => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
      }
    }
    headers['idempotency-key'] ??= ctx.idempotencyKey
    const signals = [ctx.signal]
    if (typeof params.timeoutMs === 'number') signals.push(AbortSignal.timeout(params.timeoutMs))
    let response: Response
    try {
      response = await fetch(String(params.url), { method, headers, body, signal: AbortSignal.any(signals) })
    } catch (err: any) {
      if (ctx.signal.aborted) throw ctx.signal.reason
      if (err?.name === 'TimeoutError') throw new StepError(ErrorType.TIMEOUT_ERROR, `${method} ${String(params.url)} took longer than ${String(params.timeoutMs)} ms`, { retryable: true })
      throw new StepError(ErrorType.NETWORK_ERROR, `${method} ${String(params.url)} failed: ${String(err?.cause?.message ?? err?.message ?? err)}`, { retryable: true, cause: err })
    }
    const text = await response.text()
    const type = response.headers.get('content-type') ?? ''
    let parsed: unknown = text
    if (/[/+]json\b/i.test(type) && text.length > 0) {
      try { parsed = JSON.parse(text) } catch { parsed = text }
    }
    const out = { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: parsed }
    if (response.status >= 400 && params.failOnStatus !== false) {
      const retryable = response.status >= 500 || response.status === 429
      throw new StepError(retryable ? ErrorType.NETWORK_ERROR : ErrorType.EXECUTION_ERROR,
        `${method} ${String(params.url)} answered ${response.status}`, { retryable, details: out })
    }
    return out
  }
}
