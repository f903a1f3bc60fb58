/**
 * A small trust world: an authority (the node operator), an owner, an actor with grants, an
 * outsider; a flow; a pipeline on a fake clock.
 */
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation, SignedGrant } from '../../../shared/trust.js'
import { createIdentity, createTrustPipeline, issueGrant, signOperation } from '../../../src/trust/index.js'
import type { SquidIdentity, TrustPipelineInit } from '../../../src/trust/index.js'
import { fakeClock } from '../../fixtures/fake-clock.js'

export const HOUR = 3_600_000

export function testFlow (owner: string, patch: Partial<FlowDefinition> = {}, metadata: Partial<FlowDefinition['metadata']> = {}): FlowDefinition {
  return {
    id: 'billing-report',
    name: 'Billing report',
    version: '1.0.0',
    owner,
    steps: [
      { id: 'fetch', type: 'task', action: 'qflow.action.http', params: { url: 'https://api.example.com/invoices' } },
      { id: 'post', type: 'task', action: 'qflow.action.http', params: { url: '${input.callback}' } },
      { id: 'note', type: 'task', action: 'qflow.action.log', params: { message: 'done' } }
    ],
    metadata: { tags: ['billing', 'reports'], category: 'finance', visibility: 'public', requiredPermissions: ['reports:read'], ...metadata },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...patch
  }
}

export interface World {
  clock: ReturnType<typeof fakeClock>
  admin: SquidIdentity
  owner: SquidIdentity
  alice: SquidIdentity
  mallory: SquidIdentity
  flow: FlowDefinition
  /** Grants alice holds: execute the flow (from its owner), reports:read, http to api.example.com and hooks.example.org. */
  grants: SignedGrant[]
  trust: Awaited<ReturnType<typeof createTrustPipeline>>
  /** A fresh operation signed by `who` (default alice) now, presenting `grants`. */
  op(fields?: Partial<Operation> & { by?: SquidIdentity }): Promise<Operation>
}

let identities: Promise<Pick<World, 'admin' | 'owner' | 'alice' | 'mallory'>> | undefined

export async function world (init: Partial<TrustPipelineInit> = {}, flowMetadata: Partial<FlowDefinition['metadata']> = {}): Promise<World> {
  identities ??= (async () => ({
    admin: await createIdentity({ name: 'admin' }),
    owner: await createIdentity({ name: 'owner' }),
    alice: await createIdentity({ name: 'alice' }),
    mallory: await createIdentity({ name: 'mallory' })
  }))()
  const { admin, owner, alice, mallory } = await identities
  const clock = fakeClock()
  const flow = testFlow(owner.id, {}, flowMetadata)
  const grant = async (resource: string, action = 'use', by = admin): Promise<SignedGrant> =>
    await issueGrant(by, { audience: alice.id, resource, action, ttlMs: HOUR }, { clock })
  const grants = [await grant(`flow:${flow.id}`, 'execute', owner), await grant('reports:read'), await grant('http:api.example.com'), await grant('http:hooks.example.org')]
  const trust = await createTrustPipeline({ clock, authorities: [admin.id], allowList: { hosts: { 'qflow.action.http': ['api.example.com', '*.example.org'] } }, ...init })
  return {
    clock, admin, owner, alice, mallory, flow, grants, trust,
    op: async (fields = {}) => {
      const { by = alice, ...rest } = fields
      return await signOperation(by, {
        type: rest.type ?? 'flow-execution',
        target: rest.target ?? flow.id,
        payload: rest.payload ?? { input: { month: '2026-01', callback: 'https://hooks.example.org/done' } },
        context: rest.context ?? { grants }
      }, { clock })
    }
  }
}
