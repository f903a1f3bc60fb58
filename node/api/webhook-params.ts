/**
 * What the API reads from a `qflow.trigger.webhook` step's params (the action's own schema is
 * loose, so these are checked here, when a flow is created or updated, and again per request):
 *
 * - `respond`: `"immediately"` (default: `202 { executionId }`) or `"onComplete"` (wait for the
 *   execution and answer with its output; `?wait=true` asks for this per request);
 * - `auth`: `{ type: "none" }` (default), `{ type: "token", token }` (header
 *   `x-qflow-webhook-token` or `?token=`), or `{ type: "hmac", secret, header? }` (HMAC-SHA256
 *   of the raw body as `sha256=<hex>` in `header`, default `x-qflow-webhook-signature`);
 * - `timeoutMs`: how long a synchronous call waits (default 30 s) before `504`.
 */
import type { z } from 'zod'
import type { PathError } from '../../shared/errors.js'
import { WEBHOOK_TRIGGER, WebhookParamsSchema } from '../../src/actions/builtin/webhook-params.js'

export { DEFAULT_WEBHOOK_TIMEOUT_MS, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TOKEN_HEADER, WEBHOOK_TRIGGER, WebhookAuthSchema, WebhookParamsSchema } from '../../src/actions/builtin/webhook-params.js'

export type WebhookParams = z.infer<typeof WebhookParamsSchema>

/** Parsed params, or the problems located under `steps[<index>].params`. */
export function parseWebhookParams (params: unknown, index = 0): { ok: true, params: WebhookParams } | { ok: false, errors: PathError[] } {
  const parsed = WebhookParamsSchema.safeParse(params ?? {})
  if (parsed.success) return { ok: true, params: parsed.data }
  return {
    ok: false,
    errors: parsed.error.issues.map(issue => ({
      path: [`steps[${index}].params`, ...issue.path.map(String)].join('.'),
      message: issue.message
    }))
  }
}

export const REDACTED = '[redacted]'

/**
 * The flow with its webhook secrets (`auth.token`, `auth.secret`) replaced by `[redacted]`:
 * what callers who may not manage the flow see (in flows, logs and streams).
 */
export function redactWebhookSecrets<T extends { steps: Array<{ action: string, params: Record<string, unknown> }> }> (flow: T): T {
  if (!flow.steps.some(s => s.action === WEBHOOK_TRIGGER && isSecretAuth(s.params?.auth))) return flow
  return {
    ...flow,
    steps: flow.steps.map(s => {
      const auth = s.params?.auth
      if (s.action !== WEBHOOK_TRIGGER || !isSecretAuth(auth)) return s
      const { token, secret, ...rest } = auth
      return { ...s, params: { ...s.params, auth: { ...rest, ...(token !== undefined ? { token: REDACTED } : {}), ...(secret !== undefined ? { secret: REDACTED } : {}) } } }
    })
  }
}

function isSecretAuth (auth: unknown): auth is Record<string, unknown> & { token?: unknown, secret?: unknown } {
  return auth != null && typeof auth === 'object' && ('token' in auth || 'secret' in auth)
}

/** An execution event as a caller who may not manage `flow.owner` sees it. */
export function redactEvent<E extends { type: string }> (event: E, manages: (owner: string) => boolean): E {
  if (event.type !== 'execution.started') return event
  const started = event as E & { flow: { owner: string, steps: Array<{ action: string, params: Record<string, unknown> }> } }
  return manages(started.flow.owner) ? event : { ...started, flow: redactWebhookSecrets(started.flow) }
}
