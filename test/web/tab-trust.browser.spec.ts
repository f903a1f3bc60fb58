/**
 * The tab node's trust pipeline, in Chromium (real IndexedDB, WebCrypto Ed25519, Web Worker
 * sandbox): a dashboard start is a signed operation of the tab identity that its pipeline
 * admitted, a step of an execution that bypassed admission (or carries another execution's) is
 * refused before it runs, and a lent tab validates the steps other nodes send it.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../shared/flow.js'
import type { ExecutionContext } from '../../shared/execution.js'
import { ADMISSION_VARIABLE, createIdentity, daoRegistry, issueGrant, signatureVerifier, signStart, validatePeerStep, withAdmission } from '../../src/trust/index.js'
import type { PeerStep } from '../../src/trust/index.js'
import { createTabNode } from '../../web/kernel/tab-node.js'
import type { TabNode } from '../../web/kernel/tab-node.js'
import { openTabTrust } from '../../web/kernel/tab-trust.js'
import { flow, log } from '../fixtures/engine.js'

const memoryStorage = (): Pick<Storage, 'getItem' | 'setItem'> => {
  const items = new Map<string, string>()
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => { items.set(k, v) } }
}

let seq = 0
const nodes: TabNode[] = []
async function tab (): Promise<TabNode> {
  const node = await createTabNode({ storage: memoryStorage(), keystoreDatabase: `qflow-test-keys-${Date.now()}-${++seq}` })
  nodes.push(node)
  return node
}

/** The engine's own start, without the admission the tab node installed over it. */
async function rawStart (node: TabNode, flowId: string, context: Partial<ExecutionContext> = {}): Promise<string> {
  const unadmitted = Object.getPrototypeOf(node.engine).startExecution as TabNode['engine']['startExecution']
  return await unadmitted.call(node.engine, flowId, context)
}

afterAll(async () => {
  for (const node of nodes) await node.stop()
})

describe('tab node admission', () => {
  it('admits a dashboard start as a signed operation of the tab identity and runs its steps', async () => {
    const node = await tab()
    const f = flow([log('hello', 'hello ${input.who}')])
    await node.engine.registerFlow(f)
    const id = await node.engine.startExecution(f.id, { inputData: { who: 'tab' }, triggeredBy: node.identity.id, triggerType: 'manual' })
    const state = await node.engine.waitForExecution(id)
    expect(state.status).toBe('completed')
    const admission = state.context.variables[ADMISSION_VARIABLE] as { actor: string, type: string, target: string, payload: { executionId: string } }
    expect(admission).toMatchObject({ actor: node.identity.id, type: 'flow-execution', target: f.id, payload: { executionId: id } })
    expect((await node.admission.admitted(id))?.operation.actor).toBe(node.identity.id)
  })

  it('refuses the steps of an execution that bypassed admission, or carries another execution\'s', async () => {
    const node = await tab()
    const f = flow([log('hello')])
    await node.engine.registerFlow(f)
    const bypassed = await node.engine.waitForExecution(await rawStart(node, f.id))
    expect(bypassed.status).toBe('failed')
    expect(bypassed.steps.hello.status).toBe('failed')
    expect(bypassed.error).toMatchObject({ type: 'permission_denied', message: expect.stringMatching(/was not admitted/) })

    // an admission signed for another execution of the same flow does not admit this one
    const other = await signStart(node.identity, { flowId: f.id, flow: f, executionId: 'exec-elsewhere', inputData: {} })
    const forged = await node.engine.waitForExecution(await rawStart(node, f.id, withAdmission({}, other)))
    expect(forged.status).toBe('failed')
    expect(forged.error).toMatchObject({ message: expect.stringMatching(/signed for execution exec-elsewhere/) })
  })

  it('admits a start signed by another identity only with grants that allow it', async () => {
    const node = await tab()
    const f = flow([log('hello')])
    await node.engine.registerFlow(f)
    const stranger = await createIdentity()
    await expect(node.admission.start(f.id, {}, { actor: stranger })).rejects.toMatchObject({ name: 'ValidationFailedError' })
    const grant = await issueGrant(node.identity, { audience: stranger.id, resource: `flow:${f.id}`, action: 'execute', ttlMs: 60_000 })
    const id = await node.admission.start(f.id, {}, { actor: stranger, grants: [grant] })
    const state = await node.engine.waitForExecution(id)
    expect(state.status).toBe('completed')
    expect((state.context.variables[ADMISSION_VARIABLE] as { actor: string }).actor).toBe(stranger.id)
  })
})

describe('a lent tab validates the steps others send it', () => {
  it('runs a relay\'s admitted step and refuses one without admission, or from a non-member of the flow\'s DAO subnet', async () => {
    const verifier = await signatureVerifier()
    const self = await createIdentity()
    const { peerStep } = await openTabTrust({ identity: self, dao: daoRegistry(verifier), clock: { now: () => Date.now() } })
    const relay = await createIdentity()
    const relayGrant = await issueGrant(relay, { audience: relay.id, resource: '*', action: '*', ttlMs: 60_000 })
    const admitted = async (f: FlowDefinition, executionId: string): Promise<PeerStep> => ({
      executionId, flowId: f.id, stepId: 'hello', step: f.steps[0], params: { message: 'hello' },
      admission: { operation: await signStart(relay, { flowId: f.id, flow: f, executionId, inputData: {}, grants: [relayGrant] }), flow: f, admittedBy: relay.id }
    })
    const open = flow([log('hello')])
    const ok = await validatePeerStep(peerStep, await admitted(open, 'exec-1'), relay.id)
    expect(ok.valid).toBe(true)

    const { admission: _none, ...bare } = await admitted(open, 'exec-2')
    await expect(validatePeerStep(peerStep, bare, relay.id)).rejects.toMatchObject({ code: 'not_admitted' })
    await expect(validatePeerStep(peerStep, { ...await admitted(open, 'exec-3'), executionId: 'exec-4' }, relay.id)).rejects.toMatchObject({ code: 'admission_mismatch' })
    const subnetFlow = flow([log('hello')], { metadata: { tags: [], category: 'test', visibility: 'private', requiredPermissions: [], daoSubnet: 'dao.acme' } })
    await expect(validatePeerStep(peerStep, await admitted(subnetFlow, 'exec-5'), relay.id)).rejects.toMatchObject({ code: 'coordinator_not_a_member' })
  })
})
