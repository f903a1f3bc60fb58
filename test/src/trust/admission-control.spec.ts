/**
 * The isomorphic admission control (src/trust/pipeline/admission-control.ts) on a bare engine,
 * with no Node platform parts: starts are signed and admitted, steps of unadmitted executions
 * are refused, and a child flow runs only if its parent's actor could run it (`onBehalfCheck`).
 */
import { describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import { builtinRegistry, localDispatcher } from '../../../src/actions/index.js'
import { createExecutionEngine } from '../../../src/engine/engine.js'
import { systemClock } from '../../../src/interface/clock.js'
import { memoryStateStore } from '../../../src/state/memory-store.js'
import {
  ADMISSION_VARIABLE, admissionControl, admittedDispatcher, createIdentity, createTrustPipeline, daoRegistry, issueGrant, onBehalfCheck,
  peerAuthority, presetIds, signatureVerifier
} from '../../../src/trust/index.js'
import type { Admission } from '../../../src/trust/index.js'
import { flow, log, task } from '../../fixtures/engine.js'

const HOUR = 3_600_000

async function node () {
  const clock = systemClock()
  const self = await createIdentity({ name: 'node' })
  const verifier = await signatureVerifier()
  const dao = daoRegistry(verifier)
  const authorities = [self.id]
  const trust = await createTrustPipeline({ clock, verifier, authorities, dao, requireDidOwner: false, sealed: [], unlimited: [self.id] })
  const isMember = (subnet: string, id: string): boolean => dao.isMember(subnet, id)
  const peers = peerAuthority({ isMember, admins: () => [] })
  const checkOnBehalf = onBehalfCheck({ self: self.id, grants: trust.grants, revocations: trust.revocations, authorities, peers, isMember, now: () => clock.now() })
  const store = memoryStateStore({ now: () => clock.now() })
  const actions = builtinRegistry()
  const ids = presetIds()
  let admission: Admission | undefined
  const engine = createExecutionEngine({ nodeId: 'n' }, {
    store, clock, actions, ids, dispatcher: admittedDispatcher(trust.pipeline, localDispatcher(actions, { nodeId: 'n' }), () => admission, self.id)
  })
  const ownerGrant = await issueGrant(self, { audience: self.id, resource: '*', action: '*', ttlMs: HOUR })
  admission = admissionControl({ engine, store, pipeline: trust.pipeline, ids, node: self, ownerGrant, checkOnBehalf })
  return { engine, admission, self }
}

const parentOf = (childId: string): FlowDefinition => flow([task('call', 'qflow.module.flow', { flowId: childId, input: {} }, { type: 'module-call' })], { id: 'parent' })

describe('admission control (isomorphic)', () => {
  it('admits engine starts as the node and refuses the steps of an execution that bypassed it', async () => {
    const { engine, self } = await node()
    const f = flow([log('a')])
    await engine.registerFlow(f)
    const admitted = await engine.waitForExecution(await engine.startExecution(f.id, { inputData: { n: 1 } }))
    expect(admitted.status).toBe('completed')
    expect(admitted.context.variables[ADMISSION_VARIABLE]).toMatchObject({ actor: self.id, payload: { executionId: admitted.executionId } })
    const raw = Object.getPrototypeOf(engine).startExecution as typeof engine.startExecution
    const bypassed = await engine.waitForExecution(await raw.call(engine, f.id, {}))
    expect(bypassed.status).toBe('failed')
    expect(bypassed.error?.message).toMatch(/was not admitted by the validation pipeline/)
  })

  it('starts a child flow only when the parent\'s actor may run it', async () => {
    const { engine, admission, self } = await node()
    const child = flow([log('c')], { id: 'child' })
    await engine.registerFlow(child)
    await engine.registerFlow(parentOf(child.id))
    const alice = await createIdentity({ name: 'alice' })
    const parentOnly = await issueGrant(self, { audience: alice.id, resource: 'flow:parent', action: 'execute', ttlMs: HOUR })
    const refused = await engine.waitForExecution(await admission.start('parent', {}, { actor: alice, grants: [parentOnly] }))
    expect(refused.status).toBe('failed')
    expect(refused.error?.message).toMatch(/child flow child runs on the authority of did:key:\w+, which may not run it/)

    const both = await issueGrant(self, { audience: alice.id, resource: 'flow:*', action: 'execute', ttlMs: HOUR })
    const ran = await engine.waitForExecution(await admission.start('parent', {}, { actor: alice, grants: [both] }))
    expect(ran.status).toBe('completed')
    // the node itself may start any child
    expect((await engine.waitForExecution(await engine.startExecution('parent', {}))).status).toBe('completed')
  })

  it('refuses a child flow of a DAO subnet its parent\'s actor is not a member of', async () => {
    const { engine, admission, self } = await node()
    await engine.registerFlow(flow([log('c')], { id: 'child', metadata: { tags: [], category: 'test', visibility: 'private', requiredPermissions: [], daoSubnet: 'dao.acme' } }))
    await engine.registerFlow(parentOf('child'))
    const alice = await createIdentity({ name: 'alice' })
    const all = await issueGrant(self, { audience: alice.id, resource: 'flow:*', action: 'execute', ttlMs: HOUR })
    const refused = await engine.waitForExecution(await admission.start('parent', {}, { actor: alice, grants: [all] }))
    expect(refused.status).toBe('failed')
    expect(refused.error?.message).toMatch(/is not a member of DAO subnet dao\.acme/)
  })
})
