/**
 * `POST /api/v1/events`: publishes an external event on one of the relay's DAO subnets over
 * gossipsub (`qflow/<subnet>/triggers`, src/network/ARCHITECTURE.md). Every node of the subnet,
 * this one included, resumes its executions waiting for the event and starts its flows whose
 * trigger is that event. Needs `executions:start`; the subnet must be visible to the caller and
 * served by this relay. Answers `202 { id, subnet, event }` (delivery happens on each node).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { assertVisible, getAccess } from '../access.js'
import { readJson } from '../body.js'
import { InvalidRequestError } from '../errors.js'

/** What the relay's network offers to publish an event (`runtime.network.events`). */
export interface EventPublisher {
  /** The subnets this node serves (the first is the default). */
  subnets: readonly string[]
  publish(event: string, payload: unknown, options: { subnet: string, id?: string }): Promise<{ id: string, subnet: string, event: string }>
}

export const PublishEventBody = z.strictObject({
  event: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' }),
  payload: z.unknown().optional(),
  subnet: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).optional(),
  id: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' }).optional()
}, { error: 'must be an object' })

export function eventRoutes ({ publisher }: { publisher: EventPublisher }): Hono {
  const app = new Hono()
  app.post('/', async (c) => {
    await getAccess(c).require('executions:start')
    const body = await readJson(c, PublishEventBody)
    const subnet = body.subnet ?? publisher.subnets[0]
    await assertVisible(c, subnet, `no DAO subnet "${subnet}"`)
    if (!publisher.subnets.includes(subnet)) {
      throw new InvalidRequestError([{ path: 'subnet', message: `this relay does not serve "${subnet}" (it serves ${publisher.subnets.join(', ')})` }])
    }
    let published
    try {
      published = await publisher.publish(body.event, body.payload ?? null, { subnet, ...(body.id != null ? { id: body.id } : {}) })
    } catch (err) {
      // the publisher checks what gossip can carry (dag-cbor payload): a bad payload is the caller's
      if (err instanceof TypeError) throw new InvalidRequestError([{ path: 'payload', message: err.message }])
      throw err
    }
    return c.json({ id: published.id, subnet: published.subnet, event: published.event }, 202)
  })
  return app
}
