/**
 * Starts admitted as the caller: a start operation the caller signed (`signStart`) in the start
 * or trigger body is admitted as its signer (the execution's admission and the validation
 * history name it); forged, replayed, foreign or under-granted operations are refused with a
 * 4xx at path `operation` and nothing starts. Without one, the node signs for the caller.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiAuth } from '../../../node/api/auth/index.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import { trust } from '../../../src/index.js'
import { apiHarness, flowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

const ADMISSION = 'qflow:admission'

describe('api: starts signed by the caller', () => {
  let h: ApiHarness
  let alice: trust.SquidIdentity
  let bob: trust.SquidIdentity
  const OWNER = 'did:key:z6MkOwnerOfTheRelay'

  /** A request as `token`'s identity. */
  const as = async (token: string, method: string, path: string, body?: unknown): Promise<Response> => await h.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const executionsOf = async (flowId: string): Promise<string[]> => (await h.runtime.store.listExecutions({ flowId })).map(e => e.executionId).sort()
  /** The flow as the API shows it to alice: what a client signs for (its CID goes into the start payload). */
  const flowShown = async (flowId: string): Promise<FlowDefinition> => (await (await as('alice-token', 'GET', `/api/v1/flows/${flowId}`)).json()).flow

  beforeEach(async () => {
    alice = await trust.createIdentity({ name: 'alice' })
    bob = await trust.createIdentity({ name: 'bob' })
    h = await apiHarness({ auth: createApiAuth({ tokens: new Map([['alice-token', alice.id], ['bob-token', bob.id], ['owner-token', OWNER]]), admins: [OWNER] }) })
    // alice creates the flows she starts: she owns them, so executing them needs no grant
    expect((await as('alice-token', 'POST', '/api/v1/flows', flowDoc('Greeter', { id: 'greeter' }))).status).toBe(201)
  })
  afterEach(async () => { await h.runtime.close() })

  it('admits the operation alice signed as alice: admission, triggeredBy and validation history name her', async () => {
    const inputData = { name: 'Ada' }
    const operation = await trust.signStart(alice, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-alice-1', inputData })
    const res = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { inputData, operation })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ executionId: 'exec-alice-1', actor: alice.id })
    const state = await h.runtime.engine.waitForExecution('exec-alice-1')
    expect(state.status).toBe('completed')
    expect(state.output).toEqual({ hello: 'Ada' })
    expect(state.context.triggeredBy).toBe(alice.id)
    expect((state.context.variables[ADMISSION] as { actor: string }).actor).toBe(alice.id)
    // the status the API answers carries the same admission
    const shown = await (await as('alice-token', 'GET', '/api/v1/executions/exec-alice-1')).json()
    expect(shown.context.variables[ADMISSION]).toMatchObject({ actor: alice.id, operationId: operation.operationId })
    const history = await h.node!.pipeline.getValidationHistory(operation.operationId)
    expect(history.find(e => e.check === 'validate')).toMatchObject({ actor: alice.id, valid: true, target: 'greeter' })
  })

  it('without an operation the node signs for the caller, as before', async () => {
    const res = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { inputData: { name: 'Bo' } })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).not.toHaveProperty('actor')
    const state = await h.runtime.engine.waitForExecution(body.executionId)
    expect(state.context.triggeredBy).toBe(alice.id)
    expect((state.context.variables[ADMISSION] as { actor: string }).actor).toBe(h.node!.identity.id)
  })

  it('refuses a replayed operation (403 execution_exists at path operation) and starts nothing more', async () => {
    const operation = await trust.signStart(alice, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-once', inputData: {} })
    expect((await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation })).status).toBe(201)
    await h.runtime.engine.waitForExecution('exec-once')
    const before = await executionsOf('greeter')
    const replay = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation })
    expect(replay.status).toBe(403)
    expect(await replay.json()).toMatchObject({ type: 'PermissionDeniedError', path: 'operation', errorType: 'permission_denied', code: 'execution_exists', message: expect.stringContaining('exec-once already exists') })
    expect(await executionsOf('greeter')).toEqual(before)
  })

  it('refuses a forged or tampered operation (4xx at path operation), nothing started', async () => {
    const operation = await trust.signStart(alice, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-forged', inputData: {} })
    // another execution id than the one alice signed: the payload no longer matches its hash
    const tampered = { ...operation, payload: { ...(operation.payload as object), executionId: 'exec-other' } }
    const a = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: tampered })
    expect(a.status).toBeGreaterThanOrEqual(400)
    expect(a.status).toBeLessThan(500)
    expect(await a.json()).toMatchObject({ path: 'operation', message: expect.stringMatching(/qlock/) })
    // signed by bob's key, claiming to be alice
    const byBob = await trust.signStart(bob, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-forged', inputData: {} })
    const forged = { ...byBob, actor: alice.id, envelope: { ...byBob.envelope, actor: alice.id } }
    const b = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: forged })
    expect(b.status).toBe(403)
    expect(await b.json()).toMatchObject({ type: 'ValidationFailedError', path: 'operation', errorType: 'permission_denied', code: 'signature_invalid' })
    // signed for other input data than the body's
    const other = await trust.signStart(alice, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-forged', inputData: { name: 'X' } })
    const c = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { inputData: { name: 'Y' }, operation: other })
    expect(c.status).toBe(403)
    expect(await c.json()).toMatchObject({ path: 'operation', code: 'admission_mismatch' })
    expect(await executionsOf('greeter')).toEqual([])
  })

  it('refuses an operation signed by bob sent with alice\'s token (403 naming both)', async () => {
    const operation = await trust.signStart(bob, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-bob', inputData: {} })
    const res = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation })
    expect(res.status).toBe(403)
    const body = await res.json()
    expect(body).toMatchObject({ type: 'ForbiddenError', path: 'operation' })
    expect(body.message).toContain(bob.id)
    expect(body.message).toContain(alice.id)
    expect(await executionsOf('greeter')).toEqual([])
  })

  it('refuses a flow whose requiredPermissions alice holds no grant for (403 PERMISSION_DENIED); her grant from the node admits it', async () => {
    const doc = flowDoc('Report', { id: 'report' }) as { metadata: Record<string, unknown> }
    doc.metadata.requiredPermissions = ['reports:monthly#read']
    expect((await as('alice-token', 'POST', '/api/v1/flows', doc)).status).toBe(201)
    const denied = await trust.signStart(alice, { flowId: 'report', flow: await flowShown('report'), executionId: 'exec-report-1', inputData: {} })
    const res = await as('alice-token', 'POST', '/api/v1/flows/report/start', { operation: denied })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ type: 'ValidationFailedError', path: 'operation', errorType: 'permission_denied', code: 'permission_missing', message: expect.stringContaining('reports:monthly#read') })
    expect(await executionsOf('report')).toEqual([])

    // with a grant the node (an authority) issued her, presented in the operation's context
    const grant = await trust.issueGrant(h.node!.identity, { audience: alice.id, resource: 'reports:monthly', action: 'read', ttlMs: 60_000 })
    const granted = await trust.signStart(alice, { flowId: 'report', flow: await flowShown('report'), executionId: 'exec-report-2', inputData: {}, grants: [grant] })
    const ok = await as('alice-token', 'POST', '/api/v1/flows/report/start', { operation: granted })
    expect(ok.status).toBe(201)
    expect((await h.runtime.engine.waitForExecution('exec-report-2')).status).toBe('completed')
  })

  it('refuses a malformed operation with a 400 naming the field', async () => {
    const operation = await trust.signStart(alice, { flowId: 'greeter', flow: await flowShown('greeter'), executionId: 'exec-bad', inputData: {} })
    const { envelope: _, ...noEnvelope } = operation
    const res = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: noEnvelope })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ type: 'InvalidRequestError', path: 'operation.envelope' })
    const wrongType = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: { ...operation, type: 'step-execution' } })
    expect(await wrongType.json()).toMatchObject({ path: 'operation.type' })
    expect(await executionsOf('greeter')).toEqual([])
  })

  it('refuses a start signed for the flow before it changed, or one naming no flow CID (403 at path operation); nothing starts', async () => {
    const before = await flowShown('greeter')
    const stale = await trust.signStart(alice, { flowId: 'greeter', flow: before, executionId: 'exec-stale', inputData: {} })
    const doc = flowDoc('Greeter', { id: 'greeter' }) as { description?: string }
    doc.description = 'changed after alice signed'
    expect((await as('alice-token', 'PUT', '/api/v1/flows/greeter', doc)).status).toBe(200)
    const after = await flowShown('greeter')
    const res = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: stale })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({
      type: 'PermissionDeniedError', path: 'operation', errorType: 'permission_denied', code: 'admission_mismatch',
      message: expect.stringContaining(`signed for the definition of flow greeter ${trust.flowCid(before)}, not ${trust.flowCid(after)}`)
    })
    // an older client's start: its payload has no flow CID
    const { flow: _cid, ...payload } = (await trust.signStart(alice, { flowId: 'greeter', flow: after, executionId: 'exec-old-client', inputData: {} })).payload as Record<string, unknown>
    const old = await trust.signOperation(alice, { type: 'flow-execution', target: 'greeter', payload, context: { executionId: 'exec-old-client' } })
    const refused = await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: old })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ path: 'operation', code: 'admission_unbound', message: expect.stringMatching(/does not name its flow definition/) })
    expect(await executionsOf('greeter')).toEqual([])
    // signed for the flow as it is now: admitted
    const fresh = await trust.signStart(alice, { flowId: 'greeter', flow: after, executionId: 'exec-fresh', inputData: {} })
    expect((await as('alice-token', 'POST', '/api/v1/flows/greeter/start', { operation: fresh })).status).toBe(201)
  })

  it('trigger: an event that starts the flow takes the caller\'s operation for the payload; any other event refuses one', async () => {
    const doc = flowDoc('On order', { id: 'on-order' }) as { steps: Array<Record<string, unknown>> }
    doc.steps[0] = { id: 'start', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'order' } }
    expect((await as('alice-token', 'POST', '/api/v1/flows', doc)).status).toBe(201)
    const payload = { name: 'Order 7' }
    const operation = await trust.signStart(alice, { flowId: 'on-order', flow: await flowShown('on-order'), executionId: 'exec-order-7', inputData: payload })
    const res = await as('alice-token', 'POST', '/api/v1/flows/on-order/trigger', { event: 'order', payload, operation })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ delivered: 0, executionId: 'exec-order-7', actor: alice.id })
    const state = await h.runtime.engine.waitForExecution('exec-order-7')
    expect((state.context.variables[ADMISSION] as { actor: string }).actor).toBe(alice.id)
    expect(state.context.triggerType).toBe('event')

    const other = await as('alice-token', 'POST', '/api/v1/flows/on-order/trigger', { event: 'refund', payload, operation })
    expect(other.status).toBe(400)
    expect(await other.json()).toMatchObject({ path: 'operation', message: expect.stringContaining('"refund" does not start flow on-order') })
    // replayed through the trigger: refused, nothing more started
    const replay = await as('alice-token', 'POST', '/api/v1/flows/on-order/trigger', { event: 'order', payload, operation })
    expect(replay.status).toBe(403)
    expect(await executionsOf('on-order')).toEqual(['exec-order-7'])
  })

  it('names the CID of the definition it runs, so a caller who sees its webhook secrets redacted can still sign for it', async () => {
    const hook = {
      id: 'hook', name: 'Hook', metadata: { tags: ['demo'], category: 'examples', visibility: 'public', requiredPermissions: [] },
      steps: [
        { id: 'in', type: 'event-trigger', action: 'qflow.trigger.webhook', params: { auth: { type: 'token', token: 'not-for-bob-0123456789' } } },
        { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { ok: true } } }
      ]
    }
    const created = await as('alice-token', 'POST', '/api/v1/flows', hook)
    expect(created.status, await created.clone().text()).toBe(201)
    // bob may run alice's flow (she grants it) but does not manage it: the secret is hidden from him
    const grant = await trust.issueGrant(alice, { audience: bob.id, resource: 'flow:hook', action: 'execute', ttlMs: 60_000 })
    const seen = await (await as('bob-token', 'GET', '/api/v1/flows/hook')).json()
    expect(JSON.stringify(seen.flow)).not.toContain('not-for-bob-0123456789')
    const full = await (await as('alice-token', 'GET', '/api/v1/flows/hook')).json()
    expect(seen.flowCid).toBe(trust.flowCid(full.flow))
    // signed for what bob was shown: another definition than the one the relay runs
    const shown = await trust.signStart(bob, { flowId: 'hook', flow: seen.flow, executionId: 'exec-bob-shown', inputData: {}, grants: [grant] })
    const refused = await as('bob-token', 'POST', '/api/v1/flows/hook/start', { operation: shown })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ path: 'operation', code: 'admission_mismatch' })
    // signed for the CID the relay names: admitted as bob
    const named = await trust.signStart(bob, { flowId: 'hook', flow: seen.flowCid, executionId: 'exec-bob-named', inputData: {}, grants: [grant] })
    const started = await as('bob-token', 'POST', '/api/v1/flows/hook/start', { operation: named })
    expect(started.status).toBe(201)
    expect(await started.json()).toEqual({ executionId: 'exec-bob-named', actor: bob.id })
  })
})

describe('api: signed starts without auth or admission', () => {
  it('an open API admits the operation as its signer; an API without admission refuses the field', async () => {
    const alice = await trust.createIdentity({ name: 'alice' })
    const open = await apiHarness()
    try {
      // without auth anyone may start; the operation still decides who the actor is
      expect((await open.json('POST', '/api/v1/flows', flowDoc('Greeter', { id: 'greeter', owner: alice.id }))).status).toBe(201)
      const operation = await trust.signStart(alice, { flowId: 'greeter', flow: (await (await open.json('GET', '/api/v1/flows/greeter')).json()).flow, executionId: 'exec-open', inputData: {} })
      const res = await open.json('POST', '/api/v1/flows/greeter/start', { operation })
      expect(res.status).toBe(201)
      const state = await open.runtime.engine.waitForExecution('exec-open')
      expect(state.context.triggeredBy).toBe(alice.id)
    } finally {
      await open.runtime.close()
    }
    const bare = await apiHarness({}, { bare: true })
    try {
      expect((await bare.json('POST', '/api/v1/flows', flowDoc('Greeter', { id: 'greeter' }))).status).toBe(201)
      const operation = await trust.signStart(alice, { flowId: 'greeter', flow: (await (await bare.json('GET', '/api/v1/flows/greeter')).json()).flow, executionId: 'exec-bare', inputData: {} })
      const res = await bare.json('POST', '/api/v1/flows/greeter/start', { operation })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ path: 'operation', message: expect.stringContaining('does not admit signed operations') })
      expect(await bare.runtime.store.listExecutions({ flowId: 'greeter' })).toEqual([])
    } finally {
      await bare.runtime.close()
    }
  })
})
