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

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  type: string
  message: string
  path: string
  errors?: PathError[]
  line?: number
  column?: number
}

const STATUS_BY_NAME: Record<string, ContentfulStatusCode> = {
  InvalidFlowError: 400,
  InvalidRequestError: 400,
  FlowSyntaxError: 400,
  NotFoundError: 404,
  FlowExistsError: 409,
  InvalidStateError: 409,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415
}

export interface ErrorHandlerInit {
  /** Called with every unexpected (500) error; default: a line on stderr. */
  log?: (message: string, err: unknown) => void
}

/** `app.onError(errorHandler())`. */
export function errorHandler (init: ErrorHandlerInit = {}): (err: unknown, c: Context) => Response {
  const log = init.log ?? ((message, err) => { process.stderr.write(`qflow:api ${message}: ${(err as Error)?.stack ?? String(err)}\n`) })
  return (err, c) => {
    const e = (err ?? {}) as Partial<Error> & { errors?: PathError[], line?: number, column?: number, reason?: string, status?: number }
    // Hono's own HTTPException (a request a middleware refused) keeps its 4xx status; it is
    // Hono's class in this process, so instanceof is sound here
    const http = err instanceof HTTPException && err.status >= 400 && err.status < 500
    const name = http ? 'HTTPException' : typeof e.name === 'string' ? e.name : 'Error'
    const status = http ? err.status as ContentfulStatusCode : STATUS_BY_NAME[name]
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
