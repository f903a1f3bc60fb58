/**
 * The params of a `qflow.trigger.webhook` step, checked when a flow is validated and by the
 * relay's webhook route per request:
 *
 * - `respond`: `"immediately"` (default: `202 { executionId }`) or `"onComplete"` (wait for the
 *   execution and answer with its output; `?wait=true` asks for this per request);
 * - `auth`: `{ type: "none" }` (default), `{ type: "token", token }` (header
 *   `x-qflow-webhook-token` or `?token=`), or `{ type: "hmac", secret, header? }` (HMAC-SHA256
 *   of the raw body as `sha256=<hex>` in `header`, default `x-qflow-webhook-signature`);
 * - `timeoutMs`: how long a synchronous call waits (default 30 s) before `504`.
 */
import { z } from 'zod'

export const WEBHOOK_TRIGGER = 'qflow.trigger.webhook'
export const WEBHOOK_TOKEN_HEADER = 'x-qflow-webhook-token'
export const WEBHOOK_SIGNATURE_HEADER = 'x-qflow-webhook-signature'
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 30_000

const secret = z.string({ error: 'must be a string' }).min(16, { error: 'must be at least 16 characters' }).max(1024, { error: 'must be at most 1024 characters' })

export const WebhookAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('token'), token: secret }),
  z.strictObject({
    type: z.literal('hmac'),
    secret,
    header: z.string({ error: 'must be a header name' }).regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'must be a header name' }).optional()
  })
], { error: 'must be { type: "none" }, { type: "token", token } or { type: "hmac", secret, header? }' })

export const WebhookParamsSchema = z.object({
  path: z.string().optional(),
  method: z.string().optional(),
  respond: z.enum(['immediately', 'onComplete'], { error: 'must be "immediately" or "onComplete"' }).optional(),
  auth: WebhookAuthSchema.optional(),
  timeoutMs: z.number({ error: 'must be a number of milliseconds' }).int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' }).max(600_000, { error: 'must be at most 600000 (10 min)' }).optional()
}).loose()
