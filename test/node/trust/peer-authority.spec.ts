/**
 * Peer authority: a step another node sent is validated by this node's own pipeline against the
 * admission it carries (`validatePeerStep`). Locally admitted operations keep the local roots;
 * an operation admitted elsewhere may also be rooted in a vouching node of the flow's subnet
 * (any node for open work, a member for a DAO subnet) or in the DAO subnet's admins.
 */
import { describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation, StepAdmission } from '../../../shared/trust.js'
import type { StepRequest } from '../../../src/interface/dispatcher.js'
import {
  createIdentity, createTrustPipeline, daoRegistry, issueGrant, signatureVerifier, signPolicy, signStart, trustedDispatcher, validatePeerStep
} from '../../../src/trust/index.js'
import type { PeerStep, SquidIdentity } from '../../../src/trust/index.js'
import { openNodeTrust } from '../../../node/platform/trust-node.js'
import { fakeClock } from '../../fixtures/fake-clock.js'

const HOUR = 3_600_000
const [executor, coordinator, relay, outsider, alice, admin] = await Promise.all(
  ['executor', 'coordinator', 'relay', 'outsider', 'alice', 'admin'].map(async name => await createIdentity({ name })))
const clock = fakeClock()

function reportFlow (metadata: Partial<FlowDefinition['metadata']> = {}): FlowDefinition {
  return {
    id: 'report', name: 'report', version: '1.0.0', owner: alice.id,
    steps: [{ id: 'note', type: 'task', action: 'qflow.action.log', params: { message: 'hi' } }],
    metadata: { tags: ['reports'], category: 'finance', visibility: 'public', requiredPermissions: ['reports:read'], ...metadata },
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z'
  }
}

/** The executor's pipeline: it trusts only itself; `dao.a` has admin admin and members alice, coordinator, relay and the executor. */
async function executorPipeline (): Promise<Parameters<typeof validatePeerStep>[0]> {
  const verifier = await signatureVerifier()
  const dao = daoRegistry(verifier)
  await dao.publish(await signPolicy({
    subnet: 'dao.a', version: 1, members: [admin.id, alice.id, coordinator.id, relay.id, executor.id], admins: [admin.id], adminQuorum: 1,
    allowedActions: ['qflow.*'], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 0
  } as any, [admin]))
  const trust = await createTrustPipeline({ clock, verifier, authorities: [executor.id], dao, requireDidOwner: false, sealed: [] })
  return { pipeline: trust.pipeline, isMember: (s, id) => dao.isMember(s, id), self: executor.id }
}

/** Alice's start of `executionId` of `flow`, presenting reports:read granted by `root`. */
async function aliceStart (root: SquidIdentity, executionId = 'exec-1', flow = reportFlow()): Promise<Operation> {
  const grant = await issueGrant(root, { audience: alice.id, resource: 'reports:read', action: 'use', ttlMs: HOUR }, { clock })
  return await signStart(alice, { flowId: 'report', flow, executionId, inputData: { month: '2026-01' }, grants: [grant] }, { clock })
}

function stepOf (flow: FlowDefinition, admission: Partial<StepAdmission> | undefined, executionId = 'exec-1'): PeerStep {
  const step = flow.steps[0]
  return { executionId, flowId: flow.id, stepId: step.id, step, params: step.params, ...(admission != null ? { admission: { flow, ...admission } as StepAdmission } : {}) }
}

describe('validatePeerStep (open work: no DAO subnet)', () => {
  it('trusts the node that admitted or sent the step as a root; the same operation admitted here keeps the local roots', async () => {
    const init = await executorPipeline()
    const flow = reportFlow()
    const operation = await aliceStart(coordinator)
    // admitted here: the coordinator is no authority of this node
    await expect(init.pipeline.validateStep(flow.steps[0], { operation, flow })).rejects.toMatchObject({
      name: 'ValidationFailedError', type: 'permission_denied', code: 'issuer_not_authorized', layer: 'qonsent'
    })
    // sent by the coordinator that admitted it: it vouches
    await expect(validatePeerStep(init, stepOf(flow, { operation, admittedBy: coordinator.id }), coordinator.id)).resolves.toMatchObject({ valid: true, stepId: 'note' })
    // another node sends it, naming the coordinator as the admitting node (a successor)
    await expect(validatePeerStep(init, stepOf(flow, { operation, admittedBy: coordinator.id }), relay.id)).resolves.toMatchObject({ valid: true })
    // the cached peer verdict does not leak into a local check
    await expect(init.pipeline.validateStep(flow.steps[0], { operation, flow })).rejects.toMatchObject({ code: 'issuer_not_authorized' })
    // a node that neither admitted nor sent it is no root
    await expect(validatePeerStep(init, stepOf(flow, { operation }), relay.id)).rejects.toMatchObject({
      type: 'permission_denied', code: 'issuer_not_authorized', message: expect.stringMatching(new RegExp(`issued by ${coordinator.id}, who is not an authority`))
    })
  })

  it('refuses another flow sent with an operation whose verdict is cached: the signature binds the flow', async () => {
    const init = await executorPipeline()
    const operation = await aliceStart(coordinator)
    await validatePeerStep(init, stepOf(reportFlow(), { operation }), coordinator.id)
    const stricter = reportFlow({ requiredPermissions: ['reports:read', 'secrets:read'] })
    await expect(validatePeerStep(init, stepOf(stricter, { operation }), coordinator.id)).rejects.toMatchObject({
      type: 'permission_denied', code: 'admission_mismatch', message: expect.stringMatching(/is not the one its actor signed/)
    })
    // an actor's own start of the stricter flow is checked on its own terms
    await expect(validatePeerStep(init, stepOf(stricter, { operation: await aliceStart(coordinator, 'exec-1', stricter) }), coordinator.id)).rejects.toMatchObject({
      type: 'permission_denied', code: 'permission_missing', message: expect.stringMatching(/secrets:read is not granted/)
    })
  })

  it('refuses a step without an admission, with another execution\'s, another flow\'s, a malformed or a forged one', async () => {
    const init = await executorPipeline()
    const flow = reportFlow()
    const operation = await aliceStart(coordinator)
    await expect(validatePeerStep(init, stepOf(flow, undefined), coordinator.id)).rejects.toMatchObject({
      name: 'PermissionDeniedError', type: 'permission_denied', code: 'not_admitted', message: expect.stringMatching(/without the execution's admission/)
    })
    await expect(validatePeerStep(init, stepOf(flow, { operation }, 'exec-2'), coordinator.id)).rejects.toMatchObject({
      type: 'permission_denied', code: 'admission_mismatch', message: expect.stringMatching(/signed for execution exec-1/)
    })
    const other = { ...flow, id: 'other' }
    await expect(validatePeerStep(init, { ...stepOf(other, { operation }), flowId: 'other' }, coordinator.id)).rejects.toMatchObject({
      code: 'admission_mismatch', message: expect.stringMatching(/signed for flow report, not other/)
    })
    await expect(validatePeerStep(init, stepOf(flow, { operation: { ...operation, type: 'step-execution' } }), coordinator.id)).rejects.toMatchObject({
      code: 'admission_malformed'
    })
    const another = await aliceStart(coordinator, 'exec-1')
    const forged = { ...operation, envelope: { ...operation.envelope, signature: another.envelope.signature } }
    await expect(validatePeerStep(init, stepOf(flow, { operation: forged }), coordinator.id)).rejects.toMatchObject({
      name: 'ValidationFailedError', type: 'permission_denied', layer: 'qlock', code: 'signature_invalid'
    })
  })
})

describe('validatePeerStep (a DAO subnet\'s flow)', () => {
  const daoFlow = reportFlow({ daoSubnet: 'dao.a' })

  it('refuses a step sent by a node that is not a member of the subnet', async () => {
    const init = await executorPipeline()
    const operation = await aliceStart(admin, 'exec-1', daoFlow)
    await expect(validatePeerStep(init, stepOf(daoFlow, { operation, admittedBy: outsider.id }), outsider.id)).rejects.toMatchObject({
      name: 'PermissionDeniedError', type: 'permission_denied', code: 'coordinator_not_a_member', message: expect.stringMatching(/not a member of DAO subnet dao\.a/)
    })
  })

  it('roots grants in the subnet\'s admins and in vouching members only', async () => {
    const init = await executorPipeline()
    // the DAO's admin: a root for its subnet's work admitted elsewhere, not for local admissions
    const byAdmin = await aliceStart(admin, 'exec-1', daoFlow)
    await expect(validatePeerStep(init, stepOf(daoFlow, { operation: byAdmin, admittedBy: coordinator.id }), coordinator.id)).resolves.toMatchObject({ valid: true })
    await expect(init.pipeline.validateStep(daoFlow.steps[0], { operation: byAdmin, flow: daoFlow })).rejects.toMatchObject({ code: 'issuer_not_authorized' })
    // a member that admitted it vouches, even when another member sends the step
    await expect(validatePeerStep(init, stepOf(daoFlow, { operation: await aliceStart(coordinator, 'exec-1', daoFlow), admittedBy: coordinator.id }), relay.id)).resolves.toMatchObject({ valid: true })
    // a non-member named as the admitting node is no root
    await expect(validatePeerStep(init, stepOf(daoFlow, { operation: await aliceStart(outsider, 'exec-1', daoFlow), admittedBy: outsider.id }), relay.id)).rejects.toMatchObject({
      type: 'permission_denied', code: 'issuer_not_authorized'
    })
  })
})

describe('trustedDispatcher (a successor: an execution another node admitted)', () => {
  it('validates with the admitting node as voucher, hands the admission on, and keeps local rules for its own admissions', async () => {
    const { pipeline } = await executorPipeline()
    const flow = reportFlow()
    const operation = await aliceStart(coordinator)
    const sent: StepRequest[] = []
    const dispatcher = (admittedBy: string): ReturnType<typeof trustedDispatcher> => trustedDispatcher({
      pipeline, self: executor.id, admitted: () => ({ operation, flow, admittedBy }),
      dispatcher: { dispatch: async (request) => { sent.push(request); return { output: 'ran', logs: [] } } }
    })
    const step = flow.steps[0]
    const request: StepRequest = { executionId: 'exec-1', flowId: flow.id, stepId: step.id, attempt: 1, idempotencyKey: 'exec-1:note:1', step, params: step.params }
    const signal = new AbortController().signal
    await expect(dispatcher(coordinator.id).dispatch(request, { signal })).resolves.toMatchObject({ output: 'ran' })
    expect(sent[0].admission).toEqual({ operation, flow, admittedBy: coordinator.id })
    // recorded as admitted here: the coordinator's grant is not rooted in one of this node's authorities
    await expect(dispatcher(executor.id).dispatch(request, { signal })).rejects.toMatchObject({ code: 'issuer_not_authorized' })
    expect(sent).toHaveLength(1)
  })
})

describe('checkOnBehalf (a child flow of a taken-over execution)', () => {
  it('lets the parent run a child on the authority of the node that admitted it, and only then', async () => {
    const node = await openNodeTrust({ clock })
    try {
      const child = { ...reportFlow(), id: 'child', owner: 'local', metadata: { ...reportFlow().metadata, requiredPermissions: [] } }
      const selfGrant = await issueGrant(coordinator, { audience: coordinator.id, resource: '*', action: '*', ttlMs: HOUR }, { clock })
      const parent = await signStart(coordinator, { flowId: 'report', flow: reportFlow(), executionId: 'exec-1', inputData: {}, grants: [selfGrant] }, { clock })
      await expect(node.checkOnBehalf(parent, child)).rejects.toMatchObject({ type: 'permission_denied', code: 'issuer_not_authorized' })
      await expect(node.checkOnBehalf(parent, child, coordinator.id)).resolves.toBeUndefined()
    } finally {
      await node.close()
    }
  })
})
