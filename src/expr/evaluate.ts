import { compile, GUARD_BINDING } from './compile.js'
import { NotDataError, toData } from './data.js'
import { ExpressionError } from './errors.js'
import { EvaluationGuard, GuardCode, GuardError } from './guard.js'
import type { RunLimits } from './guard.js'
import type { ExpressionOptions, ExpressionScope } from './index.js'

export const DEFAULT_TIMEOUT_MS = 100
export const DEFAULT_MAX_DEPTH = 200

/** Starts the clock: every expression evaluated with these limits shares one deadline and one `$now()`. */
export function runLimits (options: ExpressionOptions = {}): RunLimits {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const now = options.now ?? Date.now
  let epoch: number | undefined
  return {
    // the backstop for time the per-evaluation charge cannot see (e.g. one long native call)
    deadline: performance.now() + Math.max(1000, timeoutMs * 10),
    timeoutMs,
    charged: 0,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    clock: () => (epoch ??= now())
  }
}

/**
 * Evaluates one bare JSONata expression (no `${}`) over `scope`. The result is copied to plain
 * data (arrays and objects), so it never aliases the scope.
 *
 * @example
 * ```ts
 * await evaluateExpression('$count(steps.list.output.items)', scope) // 3
 * ```
 */
export async function evaluateExpression (source: string, scope: ExpressionScope, options?: ExpressionOptions): Promise<unknown> {
  return await evaluateWithin(source, scope, runLimits(options), '')
}

/** Evaluates one expression under `limits`; every failure becomes an ExpressionError naming `path`. */
export async function evaluateWithin (source: string, scope: ExpressionScope, limits: RunLimits, path: string): Promise<unknown> {
  const compiled = compile(source)
  if (compiled.error !== undefined) {
    const { message, code, position } = compiled.error
    throw new ExpressionError(path, source, message, { code, position })
  }
  const bindings = { [GUARD_BINDING]: new EvaluationGuard(limits) }
  try {
    return toData(await compiled.expression.evaluate(scope, bindings))
  } catch (err) {
    throw toExpressionError(err, path, source)
  }
}

/** JSONata throws plain objects `{ code, message, position, token }`; the guard throws GuardError. */
export function toExpressionError (err: unknown, path: string, source: string): ExpressionError {
  if (err instanceof ExpressionError) return err
  if (err instanceof NotDataError) return new ExpressionError(path, source, err.message, { code: GuardCode.NOT_DATA })
  if (err instanceof GuardError) return new ExpressionError(path, source, err.message, { code: err.code, cause: err })
  const e = (err !== null && typeof err === 'object' ? err : {}) as { message?: unknown, code?: unknown, position?: unknown }
  return new ExpressionError(path, source, typeof e.message === 'string' ? e.message : String(err), {
    code: typeof e.code === 'string' ? e.code : undefined,
    position: typeof e.position === 'number' ? e.position : undefined,
    cause: err
  })
}
