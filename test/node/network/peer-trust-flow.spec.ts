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
import type { SquidIdentity } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { startNetworkNode } from '../../../node/platform/network-node.js'
import type { NetworkNode } from '../../../node/platform/network-node.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import { flow, task } from '../../fixtures/engine.js'

const HOUR = 3_600_000
const LOOPBACK_LIMITS = { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 200 }
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

async function executorNode (runs: { n: number, params: unknown[] }): Promise<NodeRuntime> {
  const runtime = await createNodeRuntime({
    sandbox: false,
    network: {
      subnets: ['alpha'], listen: ['/ip4/127.0.0.1/tcp/0/ws'], relay: false, bootstrap: [], announceIntervalMs: 300, connectionLimits: LOOPBACK_LIMITS,
      capabilities: ['runner'], remote: { maxAttempts: 1, silenceMs: 1500 }
    }
  })
  cleanup.push(async () => { await runtime.close() })
  runtime.actions.register({ name: 'test.count', stepTypes: ['task'], run: (params) => { runs.params.push(params); return { run: ++runs.n } } })
  return runtime
}

async function bareCoordinator (identity: SquidIdentity, bootstrap: string[]): Promise<NetworkNode> {
  const node = await startNetworkNode({
    identity, subnets: ['alpha'], relay: false, bootstrap, announceIntervalMs: 300, connectionLimits: LOOPBACK_LIMITS, remote: { maxAttempts: 1, silenceMs: 1500 }
  })
  cleanup.push(async () => { await node.stop() })
  await node.presence.waitForNodes('alpha', 1, { signal: AbortSignal.timeout(15_000) })
  return node
}

/** A flow of one `test.count` step for `target`, owned by `owner`, needing `reports:read`. */
const guarded = (owner: string, target = 'https://a.example'): FlowDefinition => flow(
  [task('count', 'test.count', { target }, { requirements: { capabilities: ['runner'] } })],
  { id: 'guarded', owner, metadata: { tags: [], category: 'test', visibility: 'public', requiredPermissions: ['reports:read'] } })

function request (f: FlowDefinition, executionId: string, admission: StepAdmission, step = f.steps[0]): StepRequest {
  return { executionId, flowId: f.id, stepId: step.id, attempt: 1, idempotencyKey: `${executionId}:${step.id}:1`, step, params: step.params, admission }
}

const send = async (node: NetworkNode, r: StepRequest): Promise<unknown> =>
  await node.dispatcher.dispatch(r, { signal: AbortSignal.timeout(15_000) }).catch((err: unknown) => err)

describe('an executor runs only the flow the actor signed', () => {
  it('refuses a step sent with a modified flow or a modified step under a valid admission, and a start that binds no flow; nothing runs', async () => {
    const runs = { n: 0, params: [] as unknown[] }
    const executor = await executorNode(runs)
    const [coordinatorId, alice] = await Promise.all([createIdentity({ backend: nodeEd25519 }), createIdentity()])
    const coordinator = await bareCoordinator(coordinatorId, executor.network!.addresses())
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
