/**
 * Validates a flow document and reports every problem at once, each located by a path such as
 * `steps[2].retryPolicy.maxAttempts` or `steps[1].params.branches[0][2].id`. Never throws.
 *
 * Rules, in this order (the report itself is sorted by position in the document):
 * 1. schema: `FlowDefinitionSchema`, and `FlowStepSchema` for every step of every parallel branch;
 * 2. actions (when a registry is given): known action, allowed step type, the action's params schema;
 * 3. graph (`graph.ts`): ids, routes, branch scopes, reachability (warnings), cycles, triggers.
 */
import { checkStepExpressions } from './expressions.js'
import type { z } from 'zod'
import type { PathError } from '../../shared/errors.js'
import { FlowDefinitionSchema, FlowStepSchema, STEP_TYPES } from '../../shared/flow.js'
import type { ActionRegistry } from '../interface/action.js'
import { checkGraph } from './graph.js'

export interface FlowValidationResult {
  /** True when `errors` is empty; warnings never make a flow invalid. */
  valid: boolean
  errors: PathError[]
  warnings: PathError[]
}

export interface ValidateFlowOptions {
  /** When given, each step's action, step type and params are checked against it. */
  actions?: ActionRegistry
}

/** How deep parallel steps may nest inside each other's branches. */
export const MAX_PARALLEL_NESTING = 32
/** The path of a problem with the document itself (e.g. it is not an object). */
export const ROOT_PATH = '(root)'

type Segment = string | number
interface Problem { segments: Segment[], message: string }
interface WalkedStep { step: Record<string, unknown>, segments: Segment[] }

/**
 * @example
 * const { valid, errors } = validateFlow(parseDocument(text), { actions })
 * for (const e of errors) console.error(`${e.path}: ${e.message}`)
 */
export function validateFlow (doc: unknown, options: ValidateFlowOptions = {}): FlowValidationResult {
  const errors: Problem[] = []
  const warnings: Problem[] = []
  const parsed = FlowDefinitionSchema.safeParse(doc)
  if (!parsed.success) errors.push(...fromZodIssues(parsed.error.issues, doc, []))

  const steps = isObject(doc) ? doc.steps : undefined
  const walked = Array.isArray(steps) ? walkSteps(steps, errors) : { steps: [], tooDeep: false }
  if (options.actions != null) {
    const reported = new Set(errors.map(e => formatPath(e.segments)))
    const found = checkActions(walked.steps, options.actions, warnings)
    // a path the schema already flagged (e.g. `params.branches`) is not reported twice
    errors.push(...found.filter(e => !reported.has(formatPath(e.segments))))
  }
  for (const { step, segments } of walked.steps) {
    const action = typeof step.action === 'string' ? options.actions?.get(step.action) : undefined
    errors.push(...checkStepExpressions(step as { params?: unknown }, formatPath(segments), action?.rawParams).map(fromPathError))
  }
  // too deep (or cyclic, when a caller hands over a JS object graph): skip the recursive graph walk
  if (isObject(doc) && !walked.tooDeep) {
    const graph = checkGraph(doc)
    errors.push(...graph.errors.map(fromPathError))
    warnings.push(...graph.warnings.map(fromPathError))
  }
  const out = { errors: inDocumentOrder(errors, doc), warnings: inDocumentOrder(warnings, doc) }
  return { valid: out.errors.length === 0, ...out }
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === 'object' && !Array.isArray(value)
}

/** Every step object, top level and inside parallel branches, in document order; checks branch steps. */
function walkSteps (list: unknown[], errors: Problem[]): { steps: WalkedStep[], tooDeep: boolean } {
  const steps: WalkedStep[] = []
  let tooDeep = false
  const visit = (items: unknown[], base: Segment[], depth: number): void => {
    items.forEach((item, i) => {
      const segments = [...base, i]
      if (depth > 0) {
        const result = FlowStepSchema.safeParse(item)
        if (!result.success) errors.push(...fromZodIssues(result.error.issues, item, segments))
      }
      if (!isObject(item)) return
      steps.push({ step: item, segments })
      if (item.type !== 'parallel' || !isObject(item.params)) return
      const at = [...segments, 'params', 'branches']
      const branches = item.params.branches
      if (branches === undefined) errors.push({ segments: at, message: 'is required' })
      else if (!Array.isArray(branches)) errors.push({ segments: at, message: 'must be a list of branches, each a list of steps' })
      else if (depth >= MAX_PARALLEL_NESTING) {
        tooDeep = true
        errors.push({ segments: at, message: `parallel steps may be nested at most ${MAX_PARALLEL_NESTING} deep` })
      } else {
        branches.forEach((branch, b) => {
          if (Array.isArray(branch)) visit(branch, [...at, b], depth + 1)
          else errors.push({ segments: [...at, b], message: 'must be a list of steps' })
        })
      }
    })
  }
  visit(list, ['steps'], 0)
  return { steps, tooDeep }
}

function checkActions (steps: WalkedStep[], registry: ActionRegistry, warnings: Problem[]): Problem[] {
  const errors: Problem[] = []
  for (const { step, segments } of steps) {
    const action = step.action
    if (typeof action !== 'string' || action === '') continue // the schema reports it
    const definition = registry.get(action)
    if (definition == null) {
      if (action.startsWith('qflow.module.')) {
        warnings.push({ segments: [...segments, 'action'], message: `"${action}" is not registered here; resolved at run time through the module registry` })
      } else {
        errors.push({ segments: [...segments, 'action'], message: `unknown action "${action}"` })
      }
      continue
    }
    const type = step.type
    if (typeof type === 'string' && (STEP_TYPES as readonly string[]).includes(type) && !(definition.stepTypes as readonly string[]).includes(type)) {
      errors.push({ segments: [...segments, 'type'], message: `action ${action} needs type ${definition.stepTypes.join(' or ')}` })
    }
    if (definition.params == null || !isObject(step.params)) continue
    const at = [...segments, 'params']
    let result: ReturnType<z.ZodType['safeParse']>
    try {
      result = definition.params.safeParse(step.params)
    } catch (err) {
      // a module's params schema threw: report it against the step rather than crash validation
      errors.push({ segments: at, message: `could not be checked by ${action}: ${String((err as Error)?.message ?? err)}` })
      continue
    }
    if (result.success) continue
    // branch steps are checked by FlowStepSchema with their full path (walkSteps)
    const issues = result.error.issues.filter(issue => !(step.type === 'parallel' && issue.path[0] === 'branches' &&
      typeof issue.path[1] === 'number' && typeof issue.path[2] === 'number'))
    errors.push(...fromZodIssues(issues, step.params, at))
  }
  return errors
}

/** zod issues → problems; `input` is what was parsed, `prefix` where it sits in the document */
function fromZodIssues (issues: readonly z.core.$ZodIssue[], input: unknown, prefix: Segment[]): Problem[] {
  const problems: Problem[] = []
  for (const issue of issues) {
    const path = issue.path.map(s => typeof s === 'number' ? s : String(s))
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ segments: [...prefix, ...path, key], message: 'unknown field' })
      continue
    }
    const missing = path.length > 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') &&
      valueAt(input, path) === undefined
    problems.push({ segments: [...prefix, ...path], message: missing ? 'is required' : issue.message })
  }
  return problems
}

function valueAt (root: unknown, segments: Segment[]): unknown {
  let node = root
  for (const s of segments) {
    if (node == null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, s)) return undefined
    node = (node as Record<Segment, unknown>)[s]
  }
  return node
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/

/** `['steps', 2, 'retryPolicy']` → `steps[2].retryPolicy`; odd keys are quoted: `params["a b"]`. */
export function formatPath (segments: readonly Segment[]): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`
    else out += `[${JSON.stringify(s)}]`
  }
  return out === '' ? ROOT_PATH : out
}

/** The inverse of `formatPath`. */
export function parsePath (path: string): Segment[] {
  if (path === ROOT_PATH) return []
  const segments: Segment[] = []
  for (const m of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g)) {
    segments.push(m[1] != null ? Number(m[1]) : m[2] != null ? JSON.parse(m[2]) as string : m[3])
  }
  return segments
}

function fromPathError (e: PathError): Problem {
  return { segments: parsePath(e.path), message: e.message }
}

/**
 * Sorts by where each path points in the document (array index, then key order as written;
 * absent keys after present ones); ties keep rule order. Exact repeats are dropped.
 */
function inDocumentOrder (problems: Problem[], doc: unknown): PathError[] {
  const keyed = problems.map(p => ({ p, key: positionOf(doc, p.segments) }))
  keyed.sort((a, b) => compareKeys(a.key, b.key))
  const seen = new Set<string>()
  const out: PathError[] = []
  for (const { p } of keyed) {
    const error = { path: formatPath(p.segments), message: p.message }
    const id = `${error.path}\u0000${error.message}`
    if (!seen.has(id)) { seen.add(id); out.push(error) }
  }
  return out
}

function positionOf (doc: unknown, segments: Segment[]): number[] {
  const key: number[] = []
  let node = doc
  for (const s of segments) {
    let position = Number.MAX_SAFE_INTEGER
    if (Array.isArray(node) && typeof s === 'number') position = s
    else if (isObject(node) && typeof s === 'string' && Object.prototype.hasOwnProperty.call(node, s)) position = Object.keys(node).indexOf(s)
    key.push(position)
    node = position === Number.MAX_SAFE_INTEGER ? undefined : (node as Record<Segment, unknown>)[s]
  }
  return key
}

function compareKeys (a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}
