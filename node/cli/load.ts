/**
 * Loads a flow file for the CLI: syntax errors with line and column, every validation
 * problem with its path, and the defaults that were filled in.
 */
import { basename } from 'node:path'
import type { ActionRegistry, FlowValidationResult, LoadedFlow } from '../../src/index.js'
import { applyDefaults, FlowSyntaxError, parseDocument, validateFlow } from '../../src/index.js'
import { CliError, EXIT, readText } from './io.js'

export interface CheckedFile {
  result: FlowValidationResult
  loaded?: LoadedFlow
}

/** Reads and validates; syntax errors become a single error entry with line and column. */
export async function checkFlowFile (file: string, actions: ActionRegistry): Promise<CheckedFile> {
  const text = await readText(file, 'flow file')
  let parsed: unknown
  try {
    parsed = parseDocument(text, { fileName: basename(file) })
  } catch (err) {
    if (err instanceof FlowSyntaxError) {
      return { result: { valid: false, errors: [{ path: '(root)', message: `${file}:${err.line}:${err.column}: ${err.reason ?? err.message}` }], warnings: [] } }
    }
    throw err
  }
  const { doc, defaults } = applyDefaults(parsed, { now: new Date().toISOString(), fileName: basename(file) })
  const result = validateFlow(doc, { actions })
  if (!result.valid) return { result }
  return { result, loaded: { flow: doc as LoadedFlow['flow'], defaults, warnings: result.warnings } }
}

/** Like checkFlowFile, but an invalid flow is a CliError listing every problem. */
export async function loadFlowFile (file: string, actions: ActionRegistry): Promise<LoadedFlow> {
  const { result, loaded } = await checkFlowFile(file, actions)
  if (loaded == null) {
    throw new CliError(`${file} is not a valid flow:\n${result.errors.map(e => `  ${e.path}: ${e.message}`).join('\n')}`, EXIT.failed)
  }
  return loaded
}
