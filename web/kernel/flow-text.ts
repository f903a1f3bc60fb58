/** A flow document as YAML or JSON text, and back (with the error located when it fails). */
import { stringify } from 'yaml'
import { parseDocument } from '../../src/index.js'

export type TextFormat = 'yaml' | 'json'

export function flowToText (doc: unknown, format: TextFormat): string {
  return format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : stringify(doc, { lineWidth: 0 })
}

export interface TextProblem { line: number, column: number, message: string }

export type ParsedText = { ok: true, doc: unknown } | { ok: false, problem: TextProblem }

export function textToFlow (text: string, format: TextFormat): ParsedText {
  try {
    return { ok: true, doc: parseDocument(text, { format }) }
  } catch (err: any) {
    if (err?.name === 'FlowSyntaxError') return { ok: false, problem: { line: err.line, column: err.column, message: err.reason } }
    return { ok: false, problem: { line: 1, column: 1, message: String(err?.message ?? err) } }
  }
}

/** A file name's format: `.json` is JSON, anything else YAML (a superset). */
export const formatOf = (fileName: string): TextFormat => fileName.toLowerCase().endsWith('.json') ? 'json' : 'yaml'
