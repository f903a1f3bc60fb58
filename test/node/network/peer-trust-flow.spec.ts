/**
 * The actor's signature binds the flow definition (real libp2p nodes on 127.0.0.1): a coordinator
 * that sends a step with a flow other than the one the actor signed (changed step params, dropped
 * requiredPermissions), or a step that is not the signed flow's step, is refused by the executor
 * with `admission_mismatch` naming the signed and received CIDs, and nothing runs; a start signed
 * before flows were bound (no `flow` CID) is refused (`admission_unbound`).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { StepAdmission } from '../../../shared/trust.js'
import type { StepRequest } from '../../../src/interface/dispatcher.js'
import { cidOfValue, createIdentity, flowCid, issueGrant, signOperation, signStart } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { flow, task } from '../../fixtures/engine.js'
import { bareCoordinator, HOUR, runtimeNode, send } from './peer-trust-cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

/** A flow of one `test.count` step for `target`, owned by `owner`, needing `reports:read`. */
const guarded = (owner: string, target = 'https://a.example'): FlowDefinition => flow(
  [task('count', 'test.count', { target }, { requirements: { capabilities: ['runner'] } })],
  { id: 'guarded', owner, metadata: { tags: [], category: 'test', visibility: 'public', requiredPermissions: ['reports:read'] } })

function request (f: FlowDefinition, executionId: string, admission: StepAdmission, step = f.steps[0]): StepRequest {
  return { executionId, flowId: f.id, stepId: step.id, attempt: 1, idempotencyKey: `${executionId}:${step.id}:1`, step, params: step.params, admission }
}

describe('an executor runs only the flow the actor signed', () => {
  it('refuses a step sent with a modified flow or a modified step under a valid admission, and a start that binds no flow; nothing runs', async () => {
    const runs = { n: 0, params: [] as unknown[] }
    const executor = await runtimeNode(cleanup, [], { runs })
    const [coordinatorId, alice] = await Promise.all([createIdentity({ backend: nodeEd25519 }), createIdentity()])
    const coordinator = await bareCoordinator(cleanup, coordinatorId, executor.network!.addresses())
    // alice may read reports on the coordinator's word (it vouches for what it admitted)
    const grant = await issueGrant(coordinatorId, { audience: alice.id, resource: 'reports:read', action: 'use', ttlMs: HOUR })
    const signed = guarded(alice.id)
    const admit = async (executionId: string): Promise<StepAdmission> =>
      ({ operation: await signStart(alice, { flowId: signed.id, flow: signed, executionId, inputData: {}, grants: [grant] }), flow: signed, admittedBy: coordinatorId.id })

    // the signed flow, as signed, runs
    expect(await send(coordinator, request(signed, 'exec-1', await admit('exec-1')))).toMatchObject({ output: { run: 1 } })

    // the same admission with the step's params changed in the flow: refused, naming both CIDs
    const otherParams = guarded(alice.id, 'https://evil.example')
    const changed = await admit('exec-2')
    expect(await send(coordinator, request(otherParams, 'exec-2', { ...changed, flow: otherParams }))).toMatchObject({
      name: 'DispatchRefusedError', code: 'admission_mismatch', type: 'permission_denied',
      message: expect.stringContaining(`names flow definition ${flowCid(signed)}, the flow received is ${flowCid(otherParams)}`)
    })
    // requiredPermissions dropped (so a grant would no longer be needed): refused
    const unguarded = { ...signed, metadata: { ...signed.metadata, requiredPermissions: [] } }
    const dropped = await admit('exec-3')
    expect(await send(coordinator, request(unguarded, 'exec-3', { ...dropped, flow: unguarded }))).toMatchObject({
      name: 'DispatchRefusedError', code: 'admission_mismatch', message: expect.stringContaining(`the flow received is ${flowCid(unguarded)}`)
    })
    // the signed flow, but another step than the flow's under the same id: refused
    const swapped = await admit('exec-4')
    expect(await send(coordinator, request(signed, 'exec-4', swapped, otherParams.steps[0]))).toMatchObject({
      name: 'DispatchRefusedError', code: 'admission_mismatch', message: expect.stringMatching(/is not step count of the signed flow guarded/)
    })
    // a start signed before flows were bound (its payload names no flow CID): refused
    const unbound = await signOperation(alice, {
      type: 'flow-execution', target: signed.id, payload: { flowId: signed.id, executionId: 'exec-5', input: cidOfValue({}) }, context: { executionId: 'exec-5', grants: [grant] }
    })
    expect(await send(coordinator, request(signed, 'exec-5', { operation: unbound, flow: signed, admittedBy: coordinatorId.id }))).toMatchObject({
      name: 'DispatchRefusedError', code: 'admission_unbound', type: 'permission_denied', message: expect.stringMatching(/does not name its flow definition/)
    })
    expect(runs.n).toBe(1)
    expect(runs.params).toEqual([{ target: 'https://a.example' }])
  })
})
