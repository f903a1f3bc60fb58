import { ErrorType } from '../../shared/errors.js'
import { StepError } from '../errors.js'

/** Longest expression text quoted in a message; the full text stays on `err.expression`. */
const QUOTE_LIMIT = 120

export interface ExpressionErrorOptions {
  /** JSONata error code (`S0207`, `T2001`, …) or a Qflow code (`Q0001` timeout, `Q0002` depth, …). */
  code?: string
  /** Character offset JSONata reported inside the expression. */
  position?: number
  cause?: unknown
}

/**
 * A `${…}` template that could not be parsed or evaluated. Never retryable: the same
 * expression over the same scope fails the same way.
 *
 * @example
 * ```ts
 * try { await resolveValue(params, scope, {}, 'steps[2].params') } catch (err) {
 *   if ((err as Error).name === 'ExpressionError') log('%s', (err as ExpressionError).path)
 * }
 * ```
 */
export class ExpressionError extends StepError {
  /** Where the template sits, e.g. `steps[2].params.message` ('' when evaluated without a path). */
  readonly path: string
  /** The expression text between `${` and `}`. */
  readonly expression: string

  constructor (path: string, expression: string, reason: string, options: ExpressionErrorOptions = {}) {
    const quoted = expression.length > QUOTE_LIMIT ? `${expression.slice(0, QUOTE_LIMIT)}…` : expression
    const details: Record<string, unknown> = { path, expression }
    if (options.code != null) details.code = options.code
    if (options.position != null) details.position = options.position
    super(ErrorType.VALIDATION_ERROR, `${path === '' ? '' : `${path}: `}\${${quoted}}: ${reason}`, {
      retryable: false, details, cause: options.cause
    })
    this.name = 'ExpressionError'
    this.path = path
    this.expression = expression
  }
}
