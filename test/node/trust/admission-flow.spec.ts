/**
 * The actor's signature binds the flow definition in the Node runtime (in memory): a start signed
 * for another version of the flow is refused, a start that names no flow CID (signed before flows
 * were bound) is refused, and a recorded execution (a restart, or a successor's takeover) whose
 * flow is not the one its actor signed runs no step.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation } from '../../../shared/trust.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import {
  ADMISSION_VARIABLE, ADMITTED_BY_VARIABLE, cidOfValue, createIdentity, flowCid, signOperation, signStart
} from '../../../src/trust/index.js'
import { flow, task } from '../../fixtures/engine.js'

const [alice, otherNode] = await Promise.all([createIdentity({ name: 'alice' }), createIdentity({ name: 'another node' })])
let runtime: NodeRuntime | undefined

afterEach(async () => { await runtime?.close(); runtime = undefined })

const open = (output: string): FlowDefinition => flow([task('t', 'qflow.action.transform', { output })], {
  id: 'report', owner: alice.id, metadata: { tags: ['reports'], category: 'finance', visibility: 'public', requiredPermissions: [] }
})

/** A start of `report` signed the way clients did before flows were bound: no `flow` in the payload. */
async function unboundStart (executionId: string): Promise<Operation> {
  return await signOperation(alice, { type: 'flow-execution', target: 'report', payload: { flowId: 'report', executionId, input: cidOfValue({}) }, context: { executionId } })
}

describe('the start signature binds the flow definition', () => {
  it('refuses a start signed for another version of the flow, naming both CIDs; the current version runs', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const v1 = open('v1')
    const v2 = open('v2')
    await runtime.engine.registerFlow(v1)
    await runtime.engine.registerFlow(v2)
    const stale = await signStart(alice, { flowId: 'report', flow: v1, executionId: 'exec-v1', inputData: {} })
    await expect(runtime.start('report', {}, { operation: stale })).rejects.toMatchObject({
      name: 'PermissionDeniedError', type: 'permission_denied', code: 'admission_mismatch',
      message: `the start operation of exec-v1 was signed for the definition of flow report ${flowCid(v1)}, not ${flowCid(v2)}: it admits another execution`
    })
    // the CID alone (what a client gets without the definition) binds the same way
    const current = await signStart(alice, { flowId: 'report', flow: flowCid(v2), executionId: 'exec-v2', inputData: {} })
    expect(await runtime.engine.waitForExecution(await runtime.start('report', {}, { operation: current }))).toMatchObject({ status: 'completed', output: 'v2' })
    expect((await runtime.store.listExecutions()).map(e => e.executionId)).toEqual(['exec-v2'])
  })

  it('refuses a start that names no flow CID: nothing is stored', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    await runtime.engine.registerFlow(open('x'))
    await expect(runtime.start('report', {}, { operation: await unboundStart('exec-unbound') })).rejects.toMatchObject({
      type: 'permission_denied', code: 'admission_unbound', message: expect.stringMatching(/does not name its flow definition .*sign the start again/)
    })
    expect(await runtime.store.listExecutions()).toEqual([])
  })

  it('runs no step of a recorded execution whose flow is not the one signed (a successor resuming another node\'s record)', async () => {
    runtime = await createNodeRuntime({ sandbox: false })
    const signed = open('as signed')
    await runtime.engine.registerFlow(signed)
    const context = { triggeredBy: alice.id, triggerType: 'manual' as const, inputData: {}, permissions: [] }
    const record = async (id: string, f: FlowDefinition, operation: Operation): Promise<void> => {
      const variables = { [ADMISSION_VARIABLE]: operation, [ADMITTED_BY_VARIABLE]: otherNode.id }
      await runtime!.store.appendEvents(id, [{ type: 'execution.started', at: Date.now(), executionId: id, flow: f, context: { ...context, variables } }], { flowId: 'report', status: 'pending' })
      await runtime!.engine.resumeExecution(id)
    }
    // the record holds the flow as signed (a JSON copy, as a record is read back): it runs
    await record('exec-kept', JSON.parse(JSON.stringify(signed)), await signStart(alice, { flowId: 'report', flow: signed, executionId: 'exec-kept', inputData: {} }))
    expect(await runtime.engine.waitForExecution('exec-kept')).toMatchObject({ status: 'completed', output: 'as signed' })
    // the node that wrote the record changed the step's params under alice's signature
    await record('exec-changed', open('changed'), await signStart(alice, { flowId: 'report', flow: signed, executionId: 'exec-changed', inputData: {} }))
    const changed = await runtime.engine.waitForExecution('exec-changed')
    expect(changed.status).toBe('failed')
    expect(changed.steps.t.error).toMatchObject({ type: 'permission_denied', message: expect.stringContaining(`signed for the definition of flow report ${flowCid(signed)}, not ${flowCid(open('changed'))}`) })
    expect(changed.steps.t.output).toBeUndefined()
    // a record whose start names no flow CID
    await record('exec-unbound', signed, await unboundStart('exec-unbound'))
    expect((await runtime.engine.waitForExecution('exec-unbound')).steps.t.error).toMatchObject({ type: 'permission_denied', message: expect.stringMatching(/does not name its flow definition/) })
  })
})
