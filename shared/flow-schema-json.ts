/**
 * The JSON Schema of a flow file, generated from `FlowDefinitionSchema` (zod 4), so the zod
 * schema stays the single source of truth. `npm run schema` writes it to `shared/flow.schema.json`;
 * a test fails when the file is stale.
 *
 * It describes what authors write: the fields the loader defaults (`DEFAULTABLE_FIELDS`) are
 * not required here, though they are in a loaded `FlowDefinition`.
 *
 * Editors pick it up from the document itself:
 * - JSON: `{ "$schema": "./node_modules/qflow/shared/flow.schema.json", ... }` (any path or URL);
 * - YAML (yaml-language-server): a first line `# yaml-language-server: $schema=<same path or URL>`.
 */
import { z } from 'zod'
import { DEFAULTABLE_FIELDS, FlowDefinitionSchema } from './flow.js'

export const FLOW_SCHEMA_ID = 'https://qflow.dev/schemas/flow.schema.json'

export function flowJsonSchema (): Record<string, unknown> {
  const { $schema, required, ...rest } = z.toJSONSchema(FlowDefinitionSchema) as Record<string, unknown> & { required?: string[] }
  const defaulted: readonly string[] = DEFAULTABLE_FIELDS
  return {
    $schema,
    $id: FLOW_SCHEMA_ID,
    title: 'Qflow flow definition',
    ...rest,
    required: (required ?? []).filter(field => !defaulted.includes(field))
  }
}

/** The exact text of `shared/flow.schema.json`. */
export function flowJsonSchemaText (): string {
  return `${JSON.stringify(flowJsonSchema(), null, 2)}\n`
}
