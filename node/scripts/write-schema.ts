/**
 * `npm run schema`: writes `shared/flow.schema.json` from the zod flow schema.
 * A build script run by tsx, never bundled or imported by the core, so it may use `node:fs`.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { flowJsonSchemaText } from '../../shared/flow-schema-json.js'

const target = fileURLToPath(new URL('../../shared/flow.schema.json', import.meta.url))
writeFileSync(target, flowJsonSchemaText())
console.log(`wrote ${target}`)
