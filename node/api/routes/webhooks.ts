/**
 * `POST /api/v1/webhooks/:flowId`: starts a flow whose first step is `qflow.trigger.webhook`
 * with `{ body, query, headers }` as input (see `webhook-request.ts`). Authenticated per flow by
 * the trigger's `auth` (not by the API's credentials). Asynchronous by default:
 * `202 { executionId }`. Synchronous when the trigger has `respond: "onComplete"` or the call
 * has `?wait=true` (`?wait=false` forces asynchronous): the answer is the execution's output
 * (`webhookResponse`), `502` when the execution fails or is aborted, `504` when it has not
 * finished within the trigger's `timeoutMs` (default 30 s; it keeps running).
 */
import { Hono } from 'hono'
import { InvalidStateError, NotFoundError } from '../../../src/index.js'
import type { ExecutionEngine } from '../../../src/index.js'
import type { ExecutionState } from '../../../shared/execution.js'
import { ExecutionFailedError, InvalidRequestError, WebhookTimeoutError } from '../errors.js'
import { DEFAULT_WEBHOOK_TIMEOUT_MS, parseWebhookParams, WEBHOOK_TRIGGER } from '../webhook-params.js'
import { checkWebhookAuth, webhookInput, webhookResponse } from '../webhook-request.js'

export interface WebhookRoutesComponents {
  engine: Pick<ExecutionEngine, 'getFlow' | 'startExecution' | 'waitForExecution'>
}

/**
 * Parsed trigger params per flow definition object: a stored flow is immutable (an update
 * registers a new version, a new object), so its params are checked once, not per request.
 */
const parsedParams = new WeakMap<object, ReturnType<typeof parseWebhookParams>>()

function triggerParams (trigger: { params: Record<string, unknown> }): ReturnType<typeof parseWebhookParams> {
  let parsed = parsedParams.get(trigger)
  if (parsed == null) {
    parsed = parseWebhookParams(trigger.params)
    parsedParams.set(trigger, parsed)
  }
  return parsed
}

/**
 * Waits for the execution's end, the timeout or the caller hanging up, whichever comes first.
 * One timer and one listener per call (`AbortSignal.timeout` + `AbortSignal.any` cost a
 * timer, two signals and their GC-tracked dependants per request).
 */
async function settle (engine: WebhookRoutesComponents['engine'], executionId: string, timeoutMs: number, hangUp: AbortSignal): Promise<{ state?: ExecutionState, timedOut: boolean }> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; controller.abort(new WebhookTimeoutError(executionId, timeoutMs)) }, timeoutMs)
  const onHangUp = (): void => { controller.abort(hangUp.reason) }
  if (hangUp.aborted) onHangUp()
  else hangUp.addEventListener('abort', onHangUp, { once: true })
  try {
    return { state: await engine.waitForExecution(executionId, { signal: controller.signal }), timedOut }
  } catch (err) {
    if (timedOut || hangUp.aborted) return { timedOut }
    throw err
  } finally {
    clearTimeout(timer)
    hangUp.removeEventListener('abort', onHangUp)
  }
}

export function webhookRoutes ({ engine }: WebhookRoutesComponents): Hono {
  const app = new Hono()

  app.post('/:flowId', async (c) => {
    const flowId = c.req.param('flowId')
    const flow = await engine.getFlow(flowId)
    const trigger = flow.steps[0]
    if (trigger.action !== WEBHOOK_TRIGGER) throw new NotFoundError(`flow "${flowId}" has no webhook: its first step is ${trigger.action}, not ${WEBHOOK_TRIGGER}`)
    const parsed = triggerParams(trigger)
    if (!parsed.ok) throw new InvalidStateError(`flow "${flowId}" has a misconfigured webhook trigger: ${parsed.errors.map(e => `${e.path}: ${e.message}`).join('; ')}`)
    const params = parsed.params
    const url = new URL(c.req.url)
    const wait = url.searchParams.get('wait')
    if (wait != null && wait !== 'true' && wait !== 'false') throw new InvalidRequestError([{ path: 'wait', message: 'must be true or false' }])
    const raw = new Uint8Array(await c.req.arrayBuffer())
    checkWebhookAuth(params.auth, { headers: c.req.raw.headers, query: url.searchParams, raw })
    const inputData = webhookInput({ headers: c.req.raw.headers, url, raw })
    const executionId = await engine.startExecution(flowId, { inputData, triggerType: 'webhook' })
    const sync = wait === 'true' || (wait == null && params.respond === 'onComplete')
    if (!sync) return c.json({ executionId }, 202)

    const timeoutMs = params.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS
    const { state, timedOut } = await settle(engine, executionId, timeoutMs, c.req.raw.signal)
    if (timedOut) throw new WebhookTimeoutError(executionId, timeoutMs)
    // the caller hung up: nobody reads this answer, and the execution keeps running
    if (state == null) return c.body(null, 408)
    if (state.status !== 'completed') {
      throw new ExecutionFailedError(executionId, `execution ${executionId} ${state.status}${state.error != null ? `: ${state.error.message}` : ''}`)
    }
    const res = webhookResponse(executionId, state.output)
    res.headers.set('x-qflow-execution-id', executionId)
    return res
  })

  return app
}
