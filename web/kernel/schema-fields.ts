/**
 * Form fields generated from JSON Schema (itself generated from the zod flow schema and each
 * action's params schema): one field per property, nested objects as groups. Unknown shapes
 * fall back to a JSON field. Values are converted leniently and invalid text is kept as typed,
 * so validation can name the problem and no input is lost.
 */
import { z } from 'zod'
import { FlowStepSchema } from '../../shared/flow.js'
import type { ActionRegistry } from '../../src/index.js'

export type FieldKind = 'text' | 'number' | 'enum' | 'boolean' | 'json' | 'group' | 'step-ref'
export interface Field {
  key: string
  path: string[]
  kind: FieldKind
  label: string
  description?: string
  required: boolean
  options?: string[]
  children?: Field[]
}

type JsonSchema = Record<string, any>

const toJson = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
const STEP_REFS = new Set(['onSuccess', 'onFailure', 'onTrue', 'onFalse', 'default'])

function kindOf (s: JsonSchema, key: string): Pick<Field, 'kind' | 'options'> {
  if (STEP_REFS.has(key) && s.type === 'string') return { kind: 'step-ref' }
  const variants: JsonSchema[] = s.anyOf ?? [s]
  const first = variants[0] ?? {}
  if (first.enum != null) return { kind: 'enum', options: first.enum.map(String) }
  if (first.type === 'boolean') return { kind: 'boolean' }
  if (first.type === 'number' || first.type === 'integer') return { kind: 'number' }
  if (first.type === 'string') return { kind: 'text' }
  return { kind: 'json' }
}

export function fieldsOf (schema: JsonSchema, path: string[] = [], skip: ReadonlySet<string> = new Set()): Field[] {
  const required = new Set<string>(schema.required ?? [])
  return Object.entries<JsonSchema>(schema.properties ?? {}).filter(([key]) => !skip.has(key)).map(([key, s]) => {
    const base = { key, path: [...path, key], label: key, description: s.description, required: required.has(key) }
    if (s.type === 'object' && s.properties != null) return { ...base, kind: 'group' as const, children: fieldsOf(s, [...path, key]) }
    return { ...base, ...kindOf(s, key) }
  })
}

let stepFields: Field[] | undefined
/** The step's own fields (params are rendered from the action's schema instead). */
export function stepFormFields (): Field[] {
  stepFields ??= fieldsOf(toJson(FlowStepSchema), [], new Set(['params']))
  return stepFields
}

const paramCache = new Map<string, Field[]>()
export function paramFields (actions: ActionRegistry, action: unknown): Field[] {
  const def = typeof action === 'string' ? actions.get(action) : undefined
  if (def?.params == null) return []
  let fields = paramCache.get(def.name)
  if (fields == null) {
    try { fields = fieldsOf(toJson(def.params), ['params']) } catch { fields = [] }
    paramCache.set(def.name, fields)
  }
  return fields
}

/** Text shown in a field for a value. */
export function display (field: Field, value: unknown): string {
  if (value === undefined) return ''
  if (field.kind === 'json') return typeof value === 'string' ? value : JSON.stringify(value)
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** The value stored for typed text: numbers when they parse, JSON when it parses, else the text itself. */
export function parseInput (field: Field, text: string): unknown {
  if (text === '' && !field.required) return undefined
  if (field.kind === 'number') return text.trim() !== '' && String(Number(text)) === text.trim() ? Number(text) : text
  if (field.kind === 'json') {
    try { return JSON.parse(text) } catch { return text }
  }
  return text
}
