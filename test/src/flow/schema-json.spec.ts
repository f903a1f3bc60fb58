import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FLOW_SCHEMA_ID, flowJsonSchema, flowJsonSchemaText } from '../../../shared/flow-schema-json.js'

describe('shared/flow.schema.json', () => {
  it('is up to date with the zod schema (run `npm run schema` when this fails)', () => {
    const file = readFileSync(new URL('../../../shared/flow.schema.json', import.meta.url), 'utf8')
    expect(file).toBe(flowJsonSchemaText())
  })

  it('carries an $id, a title and the fields an author must write', () => {
    const schema = flowJsonSchema() as { $id: string, title: string, required: string[], additionalProperties: boolean, properties: Record<string, unknown> }
    expect(schema.$id).toBe(FLOW_SCHEMA_ID)
    expect(schema.title).toBe('Qflow flow definition')
    // fields the loader defaults may be left out of a file
    expect(schema.required).toEqual(['name', 'steps', 'metadata'])
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties)).toContain('$schema')
  })
})
