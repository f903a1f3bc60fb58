/**
 * Expression syntax in a flow: every `${…}` template in step params, and the raw JSONata
 * of condition expressions and event filters, parse. Nothing is evaluated.
 */
import type { PathError } from '../../shared/errors.js'
import { checkExpression, checkTemplates } from '../expr/index.js'

/** Params the engine reads as raw JSONata rather than as templates. */
export const RAW_EXPRESSION_PARAMS: ReadonlySet<string> = new Set(['expression', 'filter'])

/** `rawParams`: params of the step's action that are passed through as written (not templates). */
export function checkStepExpressions (step: { params?: unknown }, path: string, rawParams: readonly string[] = []): PathError[] {
  const params = step.params
  if (params == null || typeof params !== 'object' || Array.isArray(params)) return []
  const errors: PathError[] = []
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (key === 'branches' || rawParams.includes(key)) continue
    const at = `${path}.params.${key}`
    if (RAW_EXPRESSION_PARAMS.has(key) && typeof value === 'string' && !value.includes('${')) errors.push(...checkExpression(value, at))
    else errors.push(...checkTemplates(value, at))
  }
  return errors
}
