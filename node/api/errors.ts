/**
 * The API's errors and the single place that turns anything thrown into an HTTP answer:
 * `{ type, message, path }` JSON (plus `errors` for validation failures and `line`/`column`
 * for syntax errors). Errors are matched by `name`, never `instanceof` (they may come from
 * another realm).
 *
 * `path` locates the problem: a document path (`steps[1].action`, `inputData`) when the body
 * is at fault, `(root)` when the body as a whole is, and the request's URL path otherwise.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { PathError } from '../../shared/errors.js'

export const ROOT_PATH = '(root)'

/** A request body or query that is well-formed but wrong (types, missing fields, unknown keys). */
export class InvalidRequestError extends Error {
  static readonly NAME = 'InvalidRequestError'
  readonly errors: PathError[]
  constructor (errors: PathError[]) {
    super(`invalid request: ${errors.map(e => `${e.path}: ${e.message}`).join('; ')}`)
    this.name = InvalidRequestError.NAME
    this.errors = errors
  }
}

/** `POST /flows` with the id of a flow that exists (use `PUT /flows/:id` to update it). */
export class FlowExistsError extends Error {
  static readonly NAME = 'FlowExistsError'
  constructor (flowId: string) {
    super(`a flow with id "${flowId}" exists: update it with PUT /api/v1/flows/${encodeURIComponent(flowId)}`)
    this.name = FlowExistsError.NAME
  }
}

export class UnsupportedMediaTypeError extends Error {
  static readonly NAME = 'UnsupportedMediaTypeError'
  constructor (contentType: string) {
    super(`unsupported content-type "${contentType}": send application/json or application/yaml`)
    this.name = UnsupportedMediaTypeError.NAME
  }
}

export class PayloadTooLargeError extends Error {
  static readonly NAME = 'PayloadTooLargeError'
  constructor (maxBytes: number) {
    super(`the request body is larger than ${maxBytes} bytes`)
    this.name = PayloadTooLargeError.NAME
  }
}

/** A synchronous webhook call whose execution did not finish in time (it keeps running). */
export class WebhookTimeoutError extends Error {
  static readonly NAME = 'WebhookTimeoutError'
  readonly executionId: string
  constructor (executionId: string, timeoutMs: number) {
    super(`execution ${executionId} did not finish within ${timeoutMs} ms; it keeps running: follow it at /api/v1/executions/${executionId}`)
    this.name = WebhookTimeoutError.NAME
    this.executionId = executionId
  }
}

/** A synchronous webhook call whose execution failed or was aborted, or whose response output is unusable. */
export class ExecutionFailedError extends Error {
  static readonly NAME = 'ExecutionFailedError'
  readonly executionId: string
  constructor (executionId: string, message: string) {
    super(message)
    this.name = ExecutionFailedError.NAME
    this.executionId = executionId
  }
}

/** A WebSocket route called without a WebSocket upgrade (or outside `serveApi`). */
export class UpgradeRequiredError extends Error {
  static readonly NAME = 'UpgradeRequiredError'
  constructor (message = 'this is a WebSocket endpoint: connect with a WebSocket client') {
    super(message)
    this.name = UpgradeRequiredError.NAME
  }
}

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  type: string
  message: string
  path: string
  errors?: PathError[]
  line?: number
  column?: number
  /** The execution a webhook started, when the webhook call failed after starting it. */
  executionId?: string
  /** Trust failures: the seed's ErrorType (`permission_denied`, …) and the check's code (`nonce_reused`, …). */
  errorType?: string
  code?: string
}

const STATUS_BY_NAME: Record<string, ContentfulStatusCode> = {
  InvalidFlowError: 400,
  InvalidRequestError: 400,
  FlowSyntaxError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  FlowExistsError: 409,
  InvalidStateError: 409,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  UpgradeRequiredError: 426,
  RateLimitedError: 429,
  ExecutionFailedError: 502,
  WebhookTimeoutError: 504
}

/**
 * Trust failures (`ValidationFailedError` of the admission pipeline, `PermissionDeniedError`,
 * …) carry the seed's ErrorType: those that describe the request map to a 4xx.
 */
const STATUS_BY_ERROR_TYPE: Record<string, ContentfulStatusCode> = {
  validation_error: 400,
  permission_denied: 403,
  dao_policy_violation: 403,
  resource_exhausted: 429
}
const TRUST_ERRORS = new Set(['ValidationFailedError', 'PermissionDeniedError', 'TrustError', 'MalformedError', 'InvalidSignatureError', 'ReplayError', 'ClockSkewError'])

/** Whether `err` is a trust failure (matched by name) that carries an ErrorType. */
export function isTrustError (err: unknown): boolean {
  const e = err as { name?: unknown, type?: unknown } | null | undefined
  return typeof e?.name === 'string' && TRUST_ERRORS.has(e.name) && typeof e.type === 'string'
}

/** Request fields errors are about (set with `atPath`); the answer's `path` names the field. */
const FIELD_PATHS = new WeakMap<object, string>()

/** Marks `err` as being about the body field `path` (e.g. `operation`); returns it for `throw`. */
export function atPath<E> (err: E, path: string): E {
  if (err != null && typeof err === 'object') FIELD_PATHS.set(err, path)
  return err
}

export interface ErrorHandlerInit {
  /** Called with every unexpected (500) error; default: a line on stderr. */
  log?: (message: string, err: unknown) => void
}

/** `app.onError(errorHandler())`. */
export function errorHandler (init: ErrorHandlerInit = {}): (err: unknown, c: Context) => Response {
  const log = init.log ?? ((message, err) => { process.stderr.write(`qflow:api ${message}: ${(err as Error)?.stack ?? String(err)}\n`) })
  return (err, c) => {
    const e = (err ?? {}) as Partial<Error> & { errors?: PathError[], line?: number, column?: number, reason?: string, status?: number, retryAfterSeconds?: number, executionId?: string }
    // Hono's own HTTPException (a request a middleware refused) keeps its 4xx status; it is
    // Hono's class in this process, so instanceof is sound here
    const http = err instanceof HTTPException && err.status >= 400 && err.status < 500
    const name = http ? 'HTTPException' : typeof e.name === 'string' ? e.name : 'Error'
    const trustType = TRUST_ERRORS.has(name) && typeof (e as { type?: unknown }).type === 'string' ? String((e as { type: string }).type) : undefined
    const status = http ? err.status as ContentfulStatusCode : STATUS_BY_NAME[name] ?? (trustType != null ? STATUS_BY_ERROR_TYPE[trustType] : undefined)
    if (status == null) {
      log(`${c.req.method} ${c.req.path} failed`, err)
      return c.json<ApiErrorBody>({ type: 'InternalError', message: 'internal error', path: c.req.path }, 500)
    }
    const body: ApiErrorBody = { type: name, message: String(e.message ?? name), path: c.req.path }
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      body.errors = e.errors
      body.path = e.errors[0].path
    }
    if (name === 'FlowSyntaxError') {
      body.path = ROOT_PATH
      body.message = e.reason ?? body.message
      body.line = e.line
      body.column = e.column
    }
    if (typeof e.executionId === 'string') body.executionId = e.executionId
    const field = err != null && typeof err === 'object' ? FIELD_PATHS.get(err) : undefined
    if (field != null) body.path = field
    if (trustType != null) {
      body.errorType = trustType
      const code = (e as { code?: unknown }).code
      if (typeof code === 'string') body.code = code
    }
    if (name === 'RateLimitedError' && typeof e.retryAfterSeconds === 'number') c.header('retry-after', String(e.retryAfterSeconds))
    const retryAfterMs = (e as { details?: { retryAfterMs?: unknown } }).details?.retryAfterMs
    if (status === 429 && typeof retryAfterMs === 'number') c.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
    if (name === 'UnauthorizedError') c.header('www-authenticate', 'Bearer realm="qflow"')
    return c.json(body, status)
  }
}

/**
 * Hono hands only `Error`s to `onError` and rethrows anything else (a thrown string, `null`):
 * this first middleware wraps such values so they reach the handler as a 500 too.
 */
export function wrapNonErrors (): MiddlewareHandler {
  return async (_c, next) => {
    try {
      await next()
    } catch (err) {
      if (err instanceof Error) throw err
      throw new Error(`non-error thrown: ${String(err)}`, { cause: err })
    }
  }
}

/** Answers unknown routes in the same shape. */
export function notFoundHandler (c: Context): Response {
  return c.json<ApiErrorBody>({ type: 'NotFoundError', message: `no route for ${c.req.method} ${c.req.path}`, path: c.req.path }, 404)
}
