import { describe, expect, it } from 'vitest'
import type { FlowDefinition, FlowStep } from '../../../../shared/flow.js'
import type { ValidationLayerName } from '../../../../shared/trust.js'
import { createIdentity } from '../../../../src/trust/index.js'
import { signOperation } from '../../../../src/trust/operation.js'
import { validationPipeline } from '../../../../src/trust/pipeline/pipeline.js'
import { verdict } from '../../../../src/trust/pipeline/types.js'
import type { ValidationLayer, ValidationLayers } from '../../../../src/trust/pipeline/types.js'
import { fakeClock } from '../../../fixtures/fake-clock.js'

const alice = await createIdentity()

/** Four layers that pass and count their (uncached) checks; `policy` is their shared policy version. */
function countingLayers (): { layers: ValidationLayers, checks: Record<ValidationLayerName, number>, policy: { version: number } } {
  const checks = { qlock: 0, qonsent: 0, qindex: 0, qerberos: 0 }
  const policy = { version: 0 }
  const layer = <N extends ValidationLayerName>(name: N, scope?: ValidationLayer<N>['scope']): ValidationLayer<N> => ({
    name, ...(scope != null ? { scope } : {}), policyVersion: () => policy.version, check: () => { checks[name]++; return verdict() }
  })
  return { layers: { qlock: layer('qlock', () => ''), qonsent: layer('qonsent'), qindex: layer('qindex', (input) => input.mode), qerberos: layer('qerberos') }, checks, policy }
}

const step = (id: string): FlowStep => ({ id, type: 'task', action: 'qflow.action.transform', params: {} }) as FlowStep
/** The layers here read nothing of the flow: a minimal one for the step context. */
const flow = { id: 'f', steps: [step('a'), step('b')] } as unknown as FlowDefinition
const sign = async (n: number): Promise<Awaited<ReturnType<typeof signOperation>>> =>
  await signOperation(alice, { type: 'flow-execution', target: 'f', payload: { n } })

describe('the pipeline verdict cache (per operation)', () => {
  it('reuses an operation\'s verdicts across its admission and steps, for equal copies too, and counts every lookup', async () => {
    const { layers, checks } = countingLayers()
    const pipeline = validationPipeline({ layers, clock: fakeClock() })
    const op = await sign(1)
    await pipeline.validate(op)
    expect(checks).toEqual({ qlock: 1, qonsent: 1, qindex: 1, qerberos: 1 })
    await pipeline.validateStep(step('a'), { operation: op, flow })
    // qlock's verdict is the admission's (scope ''); the others depend on the step or mode
    expect(checks).toEqual({ qlock: 1, qonsent: 2, qindex: 2, qerberos: 2 })
    await pipeline.validateStep(step('a'), { operation: JSON.parse(JSON.stringify(op)), flow })
    expect(checks).toEqual({ qlock: 1, qonsent: 2, qindex: 2, qerberos: 2 })
    await pipeline.validateStep(step('b'), { operation: op, flow })
    expect(checks).toEqual({ qlock: 1, qonsent: 3, qindex: 2, qerberos: 3 })
    expect(pipeline.metrics().cache).toMatchObject({ hits: 7, misses: 9, size: 1 })
  })

  it('checks again once the policy version changed', async () => {
    const { layers, checks, policy } = countingLayers()
    const pipeline = validationPipeline({ layers, clock: fakeClock() })
    const op = await sign(2)
    await pipeline.validateStep(step('a'), { operation: op, flow })
    await pipeline.validateStep(step('a'), { operation: op, flow })
    expect(checks.qonsent).toBe(1)
    policy.version++
    await pipeline.validateStep(step('a'), { operation: op, flow })
    expect(checks).toEqual({ qlock: 2, qonsent: 2, qindex: 2, qerberos: 2 })
  })

  it('keeps at most cacheSize / 4 operations: the least recently used ones are checked again', async () => {
    const { layers, checks } = countingLayers()
    const pipeline = validationPipeline({ layers, clock: fakeClock(), cacheSize: 8 })
    const ops = await Promise.all([3, 4, 5].map(sign))
    for (const op of ops) await pipeline.validateStep(step('a'), { operation: op, flow })
    expect(checks.qlock).toBe(3)
    expect(pipeline.metrics().cache.size).toBe(2)
    await pipeline.validateStep(step('a'), { operation: ops[0], flow })
    expect(checks.qlock).toBe(4)
  })
})
