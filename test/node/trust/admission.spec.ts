/**
 * Admission in the Node runtime (in memory): every execution starts from a signed operation
 * the pipeline admitted, and every step passes `validateStep` against it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import {
  ADMISSION_VARIABLE, createIdentity, issueGrant, signPolicy, signRevocation, signStart
} from '../../../src/trust/index.js'
import { flow, gateAction, task } from '../../fixtures/engine.js'

const HOUR = 3_600_000
const [alice, bob] = await Promise.all([createIdentity({ name: 'alice' }), createIdentity({ name: 'bob' })])
let runtime: NodeRuntime | undefined

afterEach(async () => { await runtime?.close(); runtime = undefined })

function reportFlow (extra: Partial<FlowDefinition> = {}, steps = [task('g', 'test.gate'), task('t', 'qflow.action.transform', { output: 'done' })]): FlowDefinition {
  return flow(steps, {
    id: 'report', owner: alice.id, ...extra,
    metadata: { tags: ['reports'], category: 'finance', visibility: 'public', requiredPermissions: ['reports:read'], ...extra.metadata }
  })
}

describe('admission in the node runtime', () => {
  it('admits engine-level starts as the node\'s owner and validates each step against the stored operation', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    await runtime.engine.registerFlow(flow([task('a', 'qflow.action.transform', { output: '${input.n}' })], { id: 'local', owner: 'local' }))
    const id = await runtime.engine.startExecution('local', { inputData: { n: 7 } })
    const state = await runtime.engine.waitForExecution(id)
    expect(state).toMatchObject({ status: 'completed', output: 7 })
    const op = state.context.variables[ADMISSION_VARIABLE] as any
    expect(op).toMatchObject({ actor: runtime.identity.id, type: 'flow-execution', target: 'local', payload: { flowId: 'local', executionId: id } })
    const history = await runtime.pipeline.getValidationHistory(op.operationId)
    expect(history.map(h => [h.check, h.valid])).toEqual([['validate', true], ['step:a', true]])
  })

  it('refuses to start a flow whose required permission the actor lacks: nothing is stored', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    runtime.actions.register(gateAction())
    await runtime.engine.registerFlow(reportFlow())
    const err = await runtime.start('report', {}, { actor: alice }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'ValidationFailedError', type: 'permission_denied', layer: 'qonsent', message: expect.stringMatching(/reports:read is not granted to did:key:/) })
    expect(await runtime.store.listExecutions()).toEqual([])
  })

  it('fails a step with PERMISSION_DENIED once the grant it relied on is revoked', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const gate = gateAction()
    runtime.actions.register(gate)
    await runtime.engine.registerFlow(reportFlow())
    const grant = await issueGrant(runtime.identity, { audience: alice.id, resource: 'reports:read', action: 'use', ttlMs: HOUR })
    const id = await runtime.start('report', { month: '2026-01' }, { actor: alice, grants: [grant] })
    await gate.waitCalls(1)
    await runtime.trust.pipeline.revocations.add(await signRevocation(runtime.identity, grant))
    gate.release()
    const state = await runtime.engine.waitForExecution(id)
    expect(state.status).toBe('failed')
    expect(state.context.triggeredBy).toBe(alice.id)
    expect(state.steps.g.status).toBe('completed')
    expect(state.steps.t.error).toMatchObject({ type: 'permission_denied', message: expect.stringMatching(/qonsent rejected .*step:t.*reports:read is not granted.*revoked/) })
  })

  it('takes a start operation signed elsewhere once, and refuses it again or for other input', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const f = reportFlow({ metadata: { requiredPermissions: [] } as any }, [task('t', 'qflow.action.transform', { output: '${input.x}' })])
    await runtime.engine.registerFlow(f)
    const operation = await signStart(alice, { flowId: 'report', flow: f, executionId: 'exec-from-alice', inputData: { x: 1 } })
    expect(await runtime.start('report', { x: 1 }, { operation })).toBe('exec-from-alice')
    expect(await runtime.engine.waitForExecution('exec-from-alice')).toMatchObject({ status: 'completed', output: 1, context: { triggeredBy: alice.id } })
    await expect(runtime.start('report', { x: 1 }, { operation })).rejects.toMatchObject({ type: 'permission_denied', code: 'execution_exists' })
    await expect(runtime.start('report', { x: 2 }, { operation: await signStart(alice, { flowId: 'report', flow: f, executionId: 'exec-2', inputData: { x: 1 } }) }))
      .rejects.toMatchObject({ type: 'permission_denied', code: 'admission_mismatch', message: /signed for input/ })
    expect((await runtime.store.listExecutions()).map(e => e.executionId)).toEqual(['exec-from-alice'])
  })

  it('refuses steps of an execution whose record holds no admission, or another execution\'s', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const f = flow([task('a', 'qflow.action.transform', { output: 1 })], { id: 'plain', owner: 'local' })
    await runtime.engine.registerFlow(f)
    const admittedId = await runtime.engine.startExecution('plain')
    const admitted = await runtime.engine.waitForExecution(admittedId)
    const context = { triggeredBy: 'local', triggerType: 'manual' as const, inputData: {}, variables: {}, permissions: [] }
    const forge = async (id: string, variables: Record<string, unknown>): Promise<void> => {
      await runtime!.store.appendEvents(id, [{ type: 'execution.started', at: Date.now(), executionId: id, flow: f, context: { ...context, variables } }], { flowId: 'plain', status: 'pending' })
      await runtime!.engine.resumeExecution(id)
    }
    await forge('exec-forged', {})
    expect((await runtime.engine.waitForExecution('exec-forged')).steps.a.error).toMatchObject({ type: 'permission_denied', message: /was not admitted by the validation pipeline/ })
    await forge('exec-copied', { [ADMISSION_VARIABLE]: admitted.context.variables[ADMISSION_VARIABLE] })
    expect((await runtime.engine.waitForExecution('exec-copied')).steps.a.error).toMatchObject({ type: 'permission_denied', message: /signed for execution .* not exec-copied: it admits another execution/ })
  })

  it('keeps actors out of the flows of DAO subnets they are not members of', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const ann = await createIdentity()
    await runtime.trust.dao.publish(await signPolicy({
      subnet: 'dao.a', version: 1, members: [ann.id, alice.id], admins: [ann.id], adminQuorum: 1, allowedActions: ['qflow.action.*'],
      allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 0
    }, [ann]))
    await runtime.engine.registerFlow(reportFlow({ metadata: { daoSubnet: 'dao.a', requiredPermissions: [] } as any }, [task('t', 'qflow.action.transform', { output: 'in' })]))
    const grant = await issueGrant(runtime.identity, { audience: bob.id, resource: '*', action: '*', ttlMs: HOUR })
    // bob holds every grant, the node owns everything: neither is a member of dao.a
    for (const options of [{ actor: bob, grants: [grant] }, {}]) {
      await expect(runtime.start('report', {}, options)).rejects.toMatchObject({ layer: 'qindex', type: 'permission_denied', code: 'not_a_member', message: /is not a member of DAO subnet dao\.a/ })
    }
    await expect(runtime.engine.startExecution('report')).rejects.toMatchObject({ type: 'permission_denied', code: 'not_a_member' })
    expect(await runtime.store.listExecutions()).toEqual([])
    expect(await runtime.engine.waitForExecution(await runtime.start('report', {}, { actor: alice }))).toMatchObject({ status: 'completed', output: 'in' })
  })

  it('starts a child flow on its parent\'s authority only', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const child = flow([task('c', 'qflow.action.transform', { output: 'secret' })], {
      id: 'child', owner: alice.id, metadata: { tags: [], category: 'test', visibility: 'public', requiredPermissions: ['secrets:read'] }
    })
    const parent = reportFlow({ id: 'parent', metadata: { requiredPermissions: [] } as any },
      [{ id: 'call', type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'child', input: {} } }])
    await runtime.engine.registerFlow(child)
    await runtime.engine.registerFlow(parent)
    // alice may run her parent flow, but not the child it calls
    const denied = await runtime.engine.waitForExecution(await runtime.start('parent', {}, { actor: alice }))
    expect(denied.status).toBe('failed')
    expect(denied.steps.call.error).toMatchObject({ type: 'permission_denied', message: expect.stringMatching(/child flow child runs on the authority of did:key:\S+, which may not run it: secrets:read is not granted/) })
    const grant = await issueGrant(runtime.identity, { audience: alice.id, resource: 'secrets:read', action: 'use', ttlMs: HOUR })
    const allowed = await runtime.engine.waitForExecution(await runtime.start('parent', {}, { actor: alice, grants: [grant] }))
    expect(allowed).toMatchObject({ status: 'completed', output: 'secret' })
    // the node's own starts may call anything
    expect(await runtime.engine.waitForExecution(await runtime.engine.startExecution('parent'))).toMatchObject({ status: 'completed' })
  })
})
