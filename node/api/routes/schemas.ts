/** `/api/v1/schemas`: the JSON Schema of flow documents (what `shared/flow.schema.json` holds). */
import { Hono } from 'hono'
import { flowJsonSchema } from '../../../shared/flow-schema-json.js'

export function schemaRoutes (): Hono {
  const app = new Hono()
  const flow = flowJsonSchema()
  app.get('/', (c) => c.json({ schemas: { flow } }))
  app.get('/flow', (c) => c.json(flow))
  return app
}
