/**
 * `POST /api/v1/events` hands a checked event to the network's publisher (gossipsub in a relay;
 * a recording publisher here — `test/node/relay/relay-network.spec.ts` runs it between two real
 * relays): default subnet, subnets not served or not visible, bad payloads, credentials, and
 * no 500 for any body.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createApiAuth } from '../../../node/api/auth/index.js'
import type { EventPublisher } from '../../../node/api/routes/events.js'
import { apiHarness } from './setup.js'
import type { ApiHarness } from './setup.js'

const OWNER = 'did:key:z6MkOwnerOfTheRelay'
const ALICE = 'did:key:z6MkAliceOfAcme'

function recorder (): EventPublisher & { published: Array<{ event: string, payload: unknown, subnet: string, id?: string }> } {
  const published: Array<{ event: string, payload: unknown, subnet: string, id?: string }> = []
  return {
    subnets: ['public', 'acme'],
    published,
    async publish (event, payload, options) {
      // what the gossip publisher refuses: payloads dag-cbor cannot carry
      if (payload != null && typeof payload === 'object' && 'unencodable' in payload) throw new TypeError('publishEvent.payload: not encodable as dag-cbor (undefined)')
      published.push({ event, payload, ...options })
      return { id: options.id ?? 'generated', subnet: options.subnet, event }
    }
  }
}

describe('api: POST /api/v1/events', () => {
  let h: ApiHarness
  afterEach(async () => { await h.runtime.close() })

  const post = async (body: unknown, token = 'owner'): Promise<Response> => await h.app.request('/api/v1/events', {
    method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token !== '' ? { authorization: `Bearer ${token}` } : {}) }
  })

  async function harness (): Promise<ReturnType<typeof recorder>> {
    const events = recorder()
    h = await apiHarness({
      events,
      auth: createApiAuth({
        tokens: new Map([['owner', OWNER], ['alice', ALICE]]),
        admins: [OWNER],
        scopes: () => ['executions:start'],
        subnets: (id) => id === ALICE ? ['public'] : []
      })
    }, { bare: true })
    return events
  }

  it('publishes on the first subnet by default and on the one named, with the caller\'s id', async () => {
    const events = await harness()
    const res = await post({ event: 'order.paid', payload: { orderId: 7 }, id: 'order-7' })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ id: 'order-7', subnet: 'public', event: 'order.paid' })
    expect((await post({ event: 'order.paid', subnet: 'acme' })).status).toBe(202)
    expect(events.published).toEqual([
      { event: 'order.paid', payload: { orderId: 7 }, subnet: 'public', id: 'order-7' },
      { event: 'order.paid', payload: null, subnet: 'acme' }
    ])
  })

  it('refuses subnets not served or not visible, bad fields and payloads, and anonymous callers; nothing is published', async () => {
    const events = await harness()
    const notServed = await post({ event: 'x', subnet: 'beta' })
    expect(notServed.status).toBe(400)
    expect(await notServed.json()).toMatchObject({ path: 'subnet', message: expect.stringContaining('does not serve "beta"') })
    expect((await post({ event: 'x', subnet: 'acme' }, 'alice')).status).toBe(404)
    expect(await (await post({ event: '' })).json()).toMatchObject({ path: 'event' })
    expect(await (await post({ event: 'x', extra: 1 })).json()).toMatchObject({ path: 'extra' })
    const payload = await post({ event: 'x', payload: { unencodable: true } })
    expect(payload.status).toBe(400)
    expect(await payload.json()).toMatchObject({ path: 'payload' })
    expect((await post({ event: 'x' }, '')).status).toBe(401)
    expect(events.published).toEqual([])
  })

  it('answers every body with a 2xx or a 4xx, never a 500', async () => {
    await harness()
    await fc.assert(fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ event: fc.string(), payload: fc.jsonValue(), subnet: fc.string(), id: fc.string() }, { requiredKeys: [] })), async (body) => {
      const res = await post(body)
      expect(res.status, JSON.stringify(body)).toBeLessThan(500)
    }), { numRuns: 150 })
    expect(h.log).not.toHaveBeenCalled()
  })
})
