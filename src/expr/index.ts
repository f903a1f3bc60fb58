/**
 * Expressions in flow step params: `${expr}` inside any string, where `expr` is JSONata
 * evaluated over an ExpressionScope. Expressions are bounded in time and depth and never
 * run as host JavaScript: only JSONata's own function library is in reach, minus `$eval`.
 *
 * - A string that is exactly one `${expr}` takes the expression's value and type.
 * - Otherwise each `${…}` is interpolated as text: strings as is, `undefined` as '', other
 *   values as `JSON.stringify`.
 * - `$${` is an escape for a literal `${`. Object keys are never templated.
 *
 * @example
 * ```ts
 * const scope = { input: { user: 'ada', n: 2 }, steps: {}, variables: {}, context: {} }
 * await resolveValue({ to: '${input.user}', n: '${input.n * 2}', msg: 'hi ${input.user}' }, scope)
 * // → { to: 'ada', n: 4, msg: 'hi ada' }
 * ```
 */

/** What an expression can see. Everything in it should be plain data (JSON-like). */
export interface ExpressionScope {
  /** The run's trigger input: `${input.body.id}`. */
  input: unknown
  /** Completed steps by id: `${steps.fetch.output.status}`. */
  steps: Record<string, { output?: unknown }>
  /** Flow variables: `${variables.region}`. */
  variables: Record<string, unknown>
  /** Run context (ids, attempt, …): `${context.runId}`. */
  context: Record<string, unknown>
  /** The error being handled, in error handlers: `${error.message}`. */
  error?: unknown
}

/** Per call; limits apply to the whole call (every template of one resolveValue shares them). */
export interface ExpressionOptions {
  /** Wall-clock budget in ms. Default 100. */
  timeoutMs?: number
  /** Deepest evaluation nesting (JSONata AST nodes, about 3 per recursive call). Default 200. */
  maxDepth?: number
  /** Epoch ms backing `$now()` and `$millis()`, read once per call. Default `Date.now`. */
  now?: () => number
}

export { ExpressionError } from './errors.js'
export { hasExpression, resolveValue } from './resolve.js'
export { evaluateExpression } from './evaluate.js'
export { checkExpression, checkTemplates } from './check.js'
