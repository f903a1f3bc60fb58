/**
 * Executors re-validate every step (real libp2p nodes on 127.0.0.1): a runtime executor runs a
 * step another node sends only when its own pipeline admits it against the admission the step
 * carries. Coordinators here are bare network nodes that send hand-built requests, or runtimes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { SignedGrant, StepAdmission } from '../../../shared/trust.js'
import type { StepRequest } from '../../../src/interface/dispatcher.js'
import { createIdentity, issueGrant, signPolicy, signStart } from '../../../src/trust/index.js'
import type { SquidIdentity } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { flow, task } from '../../fixtures/engine.js'
import { bareCoordinator, HOUR, runtimeNode, send } from './peer-trust-cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

const counted = (extra: Partial<FlowDefinition> = {}): FlowDefinition =>
  flow([task('count', 'test.count', {}, { requirements: { capabilities: ['runner'] } })], { id: 'counted', ...extra })

/** A start signed by `actor` for execution `executionId` of `f` (with `grants`). */
async function admissionOf (actor: SquidIdentity, f: FlowDefinition, executionId: string, grants?: SignedGrant[]): Promise<StepAdmission> {
  const presented = grants ?? [await issueGrant(actor, { audience: actor.id, resource: '*', action: '*', ttlMs: HOUR })]
  return { operation: await signStart(actor, { flowId: f.id, flow: f, executionId, inputData: {}, grants: presented }), flow: f, admittedBy: actor.id }
}

function request (f: FlowDefinition, executionId: string, admission?: StepAdmission): StepRequest {
  const step = f.steps[0]
  return { executionId, flowId: f.id, stepId: step.id, attempt: 1, idempotencyKey: `${executionId}:${step.id}:1`, step, params: step.params, ...(admission != null ? { admission } : {}) }
}

describe('an executor validates every step against its admission', () => {
  it('runs a properly admitted step; refuses a missing, forged, other execution\'s or under-granted admission, running nothing', async () => {
    const runs = { n: 0 }
    const executor = await runtimeNode(cleanup, [], { runs })
    const [coordinatorId, alice, operator] = await Promise.all([createIdentity({ backend: nodeEd25519 }), createIdentity(), createIdentity()])
    const coordinator = await bareCoordinator(cleanup, coordinatorId, executor.network!.addresses())
    const f = counted()

    // admitted by the coordinator (a node of open work): it vouches for its own start
    const admitted = await admissionOf(coordinatorId, f, 'exec-1')
    expect(await send(coordinator, request(f, 'exec-1', admitted))).toMatchObject({ output: { run: 1 }, nodeId: executor.identity.peerId })
    expect((await executor.pipeline.getValidationHistory(admitted.operation.operationId)).map(h => [h.check, h.valid])).toEqual([['step:count', true]])

    expect(await send(coordinator, request(f, 'exec-2'))).toMatchObject({
      name: 'DispatchRefusedError', code: 'not_admitted', type: 'permission_denied', message: expect.stringMatching(/without the execution's admission/)
    })
    const other = await admissionOf(coordinatorId, f, 'exec-3')
    const forged = { ...admitted, operation: { ...admitted.operation, envelope: { ...admitted.operation.envelope, signature: other.operation.envelope.signature } } }
    expect(await send(coordinator, request(f, 'exec-1', forged))).toMatchObject({
      name: 'DispatchRefusedError', code: 'signature_invalid', type: 'permission_denied', message: expect.stringMatching(/qlock rejected/)
    })
    expect(await send(coordinator, request(f, 'exec-4', admitted))).toMatchObject({
      name: 'DispatchRefusedError', code: 'admission_mismatch', type: 'permission_denied', message: expect.stringMatching(/signed for execution exec-1/)
    })
    // alice needs reports:read; her grant is rooted in an operator this executor does not trust
    const guarded = counted({ id: 'guarded', owner: alice.id, metadata: { tags: [], category: 'test', visibility: 'public', requiredPermissions: ['reports:read'] } })
    const fromOperator = await issueGrant(operator, { audience: alice.id, resource: 'reports:read', action: 'use', ttlMs: HOUR })
    const underGranted = await admissionOf(alice, guarded, 'exec-5', [fromOperator])
    expect(await send(coordinator, request(guarded, 'exec-5', { ...underGranted, admittedBy: coordinatorId.id }))).toMatchObject({
      name: 'DispatchRefusedError', code: 'issuer_not_authorized', type: 'permission_denied', message: expect.stringMatching(/reports:read is not granted/)
    })
    // the same grant rooted in the coordinator that admitted it runs
    const fromCoordinator = await issueGrant(coordinatorId, { audience: alice.id, resource: 'reports:read', action: 'use', ttlMs: HOUR })
    const granted = await admissionOf(alice, guarded, 'exec-6', [fromCoordinator])
    expect(await send(coordinator, request(guarded, 'exec-6', { ...granted, admittedBy: coordinatorId.id }))).toMatchObject({ output: { run: 2 } })
    expect(runs.n).toBe(2)
  })

  it('runs the steps of a runtime\'s execution on a peer runtime, which validates them itself', async () => {
    const runs = { n: 0 }
    const executor = await runtimeNode(cleanup, [], { runs })
    const operator = await createIdentity()
    const coordinator = await runtimeNode(cleanup, executor.network!.addresses(), { authorities: [operator.id] })
    await coordinator.network!.presence.waitForNodes('alpha', 2, { signal: AbortSignal.timeout(15_000) })
    await coordinator.engine.registerFlow(counted())
    const id = await coordinator.engine.startExecution('counted', { inputData: {} })
    const state = await coordinator.engine.waitForExecution(id, { signal: AbortSignal.timeout(15_000) })
    expect(state).toMatchObject({ status: 'completed', output: { run: 1 }, nodeAssignments: { count: executor.identity.peerId } })
    const operationId = (state.context.variables['qflow:admission'] as { operationId: string }).operationId
    expect((await executor.pipeline.getValidationHistory(operationId)).map(h => [h.check, h.valid])).toEqual([['step:count', true]])

    // the coordinator trusts its operator; the executor does not: the step is refused there and nothing runs
    const alice = await createIdentity()
    await coordinator.engine.registerFlow(counted({ id: 'guarded', owner: alice.id, metadata: { tags: [], category: 'test', visibility: 'public', requiredPermissions: ['reports:read'] } }))
    const grant = await issueGrant(operator, { audience: alice.id, resource: 'reports:read', action: 'use', ttlMs: HOUR })
    const refused = await coordinator.start('guarded', {}, { actor: alice, grants: [grant] })
    const failed = await coordinator.engine.waitForExecution(refused, { signal: AbortSignal.timeout(15_000) })
    expect(failed.status).toBe('failed')
    expect(failed.steps.count.error).toMatchObject({ type: 'permission_denied', message: expect.stringMatching(/refused step count: qonsent rejected .*issued by .*, who is not an authority/) })
    expect(runs.n).toBe(1)
  })

  it('refuses the steps of a DAO subnet\'s flow sent by a coordinator that is not a member of it', async () => {
    const runs = { n: 0 }
    const executor = await runtimeNode(cleanup, [], { runs })
    const [member, outsider, admin] = await Promise.all([createIdentity({ backend: nodeEd25519 }), createIdentity({ backend: nodeEd25519 }), createIdentity()])
    await executor.trust.dao.publish(await signPolicy({
      subnet: 'dao.a', version: 1, members: [admin.id, member.id, executor.identity.id], admins: [admin.id], adminQuorum: 1,
      allowedActions: ['test.*'], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 0
    } as any, [admin]))
    const f = counted({ metadata: { tags: [], category: 'test', visibility: 'private', requiredPermissions: [], daoSubnet: 'dao.a' } })
    const fromOutsider = await bareCoordinator(cleanup, outsider, executor.network!.addresses())
    expect(await send(fromOutsider, request(f, 'exec-1', await admissionOf(outsider, f, 'exec-1')))).toMatchObject({
      name: 'DispatchRefusedError', code: 'coordinator_not_a_member', type: 'permission_denied', message: expect.stringMatching(/not a member of DAO subnet dao\.a/)
    })
    // a member's own admission is vouched for by the member
    const fromMember = await bareCoordinator(cleanup, member, executor.network!.addresses())
    expect(await send(fromMember, request(f, 'exec-2', await admissionOf(member, f, 'exec-2')))).toMatchObject({ output: { run: 1 } })
    // the member cannot carry the outsider's admission in: the outsider is no root of this subnet
    expect(await send(fromMember, request(f, 'exec-1', await admissionOf(outsider, f, 'exec-1')))).toMatchObject({
      name: 'DispatchRefusedError', type: 'permission_denied', code: 'issuer_not_authorized', message: expect.stringMatching(new RegExp(`issued by ${outsider.id}, who is not an authority`))
    })
    expect(runs.n).toBe(1)
  })
})
