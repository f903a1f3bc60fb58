/**
 * `GET /api/v1/system/nodes`: the live peers of the relay's network node with their metrics
 * (this node first), `{ nodes: [{ id, peerId, status, self, addresses, capabilities, … }] }`.
 * Mounted only when the relay runs a network; without one the path is a 404 (`qflow nodes`
 * says so).
 */
import { Hono } from 'hono'

export interface NodeRoutesComponents {
  /** The rows, this node first (see `node/platform/network-runtime.ts` `liveNodes`). */
  nodes: () => Promise<unknown[]>
}

export function nodeRoutes ({ nodes }: NodeRoutesComponents): Hono {
  const app = new Hono()
  app.get('/', async (c) => c.json({ nodes: await nodes() }))
  return app
}
