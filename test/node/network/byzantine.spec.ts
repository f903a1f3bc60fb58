/**
 * Byzantine tolerance: steps with `redundancy: 3` run on three distinct nodes; the majority by
 * content hash wins; a node returning wrong results is outvoted every time, loses reputation and
 * drops below the selection threshold, after which it is no longer selected.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { flow, run, task } from '../../fixtures/engine.js'
import { startCluster } from './cluster.js'
import type { Cluster } from './cluster.js'

const ran: Array<{ label: string, stepId: string }> = []
const compute = (label: string, lie: boolean): ActionDefinition => ({
  name: 'test.add',
  stepTypes: ['task'],
  run: (params, ctx) => {
    ran.push({ label, stepId: ctx.stepId })
    const sum = Number(params.a) + Number(params.b)
    return { sum: lie ? sum + 1000 : sum }
  }
})

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop(); cluster = undefined; ran.length = 0 })

describe('Byzantine tolerance (redundancy: 3)', () => {
  it('outvotes a lying node every time and stops selecting it once below the threshold', async () => {
    // the liar advertises the best performance so the selector picks it first
    cluster = await startCluster({
      executors: [
        { actions: [compute('liar', true)], performanceScore: 1 },
        { actions: [compute('h1', false)], performanceScore: 0.5 },
        { actions: [compute('h2', false)], performanceScore: 0.5 },
        { actions: [compute('h3', false)], performanceScore: 0.5 }
      ]
    })
    const liar = cluster.executors[0].peerId
    const steps = [1, 2, 3, 4, 5].map(i => task(`add${i}`, 'test.add', { a: i, b: 10 }, { redundancy: 3 }))
    const state = await run(cluster.engine, flow(steps))
    expect(state.status).toBe('completed')

    const events = await cluster.store.readEvents(state.executionId)
    const completed = events.flatMap(e => e.type === 'step.completed' ? [e] : [])
    expect(completed.map(e => e.output)).toEqual([1, 2, 3, 4, 5].map(i => ({ sum: i + 10 })))
    let outvoted = 0
    for (const e of completed) {
      const votes = (e.logs ?? []).filter(l => l.startsWith('vote'))
      expect(votes.filter(l => l.startsWith('vote replica'))).toHaveLength(3)
      expect(votes.at(-1)).toMatch(/^vote: [23] of 3 agree on bafy/)
      const participated = ran.some(r => r.label === 'liar' && r.stepId === e.stepId)
      if (participated) {
        outvoted++
        expect(votes.at(-1)).toContain(`outvoted: ${liar}`)
      } else {
        expect(votes.at(-1)).not.toContain('outvoted')
      }
      expect(e.nodeId).not.toBe(liar)
    }
    // it was picked while trusted, outvoted each time, then dropped out of selection
    // reputation 0.8 → 0.55 → 0.30: two strikes put it under the 0.5 threshold
    expect(outvoted).toBe(2)
    expect(ran.filter(r => r.stepId === 'add5').map(r => r.label).sort()).toEqual(['h1', 'h2', 'h3'])
    const reputation = cluster.coordinator.selector.get(liar)?.reputation ?? 1
    expect(reputation).toBeLessThan(cluster.coordinator.selector.minReputation)
    const candidates = cluster.coordinator.selector.select({ daoSubnet: 'alpha', requiredCapabilities: [], minPerformanceScore: 0, maxLatency: 0, resourceRequirements: {} }, 10)
    expect(candidates.map(n => n.nodeId)).not.toContain(liar)
    // each replica of a step ran on a distinct node
    for (const s of steps) expect(new Set(ran.filter(r => r.stepId === s.id).map(r => r.label)).size).toBe(3)
  })
})
