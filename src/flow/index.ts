/**
 * The flow domain: text → parsed document → defaults → validated `FlowDefinition`.
 * Other domains import from here, not from the files behind it.
 */
import type { PathError } from '../../shared/errors.js'
import type { FlowDefinition } from '../../shared/flow.js'
import { InvalidFlowError } from '../errors.js'
import type { ActionRegistry } from '../interface/action.js'
import { applyDefaults } from './defaults.js'
import type { AppliedDefault } from './defaults.js'
import { parseDocument } from './parse.js'
import { validateFlow } from './validate.js'

export * from './parse.js'
export * from './defaults.js'
export * from './validate.js'
export { checkGraph, START_TRIGGERS } from './graph.js'
export type { GraphReport } from './graph.js'
export * from './step-index.js'

export interface LoadedFlow {
  flow: FlowDefinition
  /** Fields the file omitted and the values filled in (report them to the user). */
  defaults: AppliedDefault[]
  warnings: PathError[]
}

export interface LoadFlowOptions {
  /** ISO 8601 time for defaulted `createdAt` / `updatedAt`. */
  now: string
  /** Used for error locations, format detection and the default id. */
  fileName?: string
  /** Checks actions, step types and params when given. */
  actions?: ActionRegistry
}

/**
 * Parses, fills defaults and validates a flow file.
 *
 * @throws FlowSyntaxError when the text is not JSON or YAML (with line and column)
 * @throws InvalidFlowError when the document is not a valid flow (`.errors` lists every problem)
 * @example
 * const { flow, defaults, warnings } = loadFlow(text, { now: clock.now(), fileName: 'hello.yaml', actions })
 */
export function loadFlow (text: string, options: LoadFlowOptions): LoadedFlow {
  const parsed = parseDocument(text, { fileName: options.fileName })
  const { doc, defaults } = applyDefaults(parsed, { now: options.now, fileName: options.fileName })
  const result = validateFlow(doc, { actions: options.actions })
  if (!result.valid) throw new InvalidFlowError(result.errors)
  return { flow: doc as FlowDefinition, defaults, warnings: result.warnings }
}
