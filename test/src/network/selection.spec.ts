import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { NodeSelectionCriteria, QNETNode } from '../../../shared/network.js'
import { NoNodeAvailableError, nodeQualifies, nodeScore, nodeSelector } from '../../../src/network/index.js'

const node = (nodeId: string, extra: Partial<QNETNode> = {}): QNETNode => ({
  nodeId,
  identity: `did:key:${nodeId}`,
  address: '',
  capabilities: [],
  performanceScore: 0.5,
  currentLoad: 0,
  latency: 0,
  daoSubnets: ['alpha'],
  lastSeen: '2026-01-01T00:00:00.000Z',
  reputation: 0.8,
  ...extra
})

const criteria = (extra: Partial<NodeSelectionCriteria> = {}): NodeSelectionCriteria =>
  ({ daoSubnet: 'alpha', requiredCapabilities: [], minPerformanceScore: 0, maxLatency: 0, resourceRequirements: {}, ...extra })

describe('nodeScore', () => {
  it('weighs load, latency, performance and reputation', () => {
    const base = nodeScore(node('a'))
    expect(nodeScore(node('a', { currentLoad: 0.9 }))).toBeLessThan(base)
    expect(nodeScore(node('a', { latency: 200 }))).toBeLessThan(nodeScore(node('a', { latency: 5 })))
    expect(nodeScore(node('a', { performanceScore: 0.9 }))).toBeGreaterThan(base)
    expect(nodeScore(node('a', { reputation: 0.2 }))).toBeLessThan(base)
    expect(nodeScore(node('a', { region: 'eu' }), ['us', 'eu'])).toBeGreaterThan(base)
    expect(nodeScore(node('a', { region: 'us' }), ['us', 'eu'])).toBeGreaterThan(nodeScore(node('a', { region: 'eu' }), ['us', 'eu']))
  })
})

describe('nodeSelector', () => {
  it('selects the best qualifying node of the subnet', async () => {
    const s = nodeSelector()
    s.upsert(node('busy', { currentLoad: 0.9 }))
    s.upsert(node('idle'))
    s.upsert(node('other-subnet', { daoSubnets: ['beta'], performanceScore: 1 }))
    expect((await s.selectNode(criteria())).nodeId).toBe('idle')
    expect((await s.selectNode(criteria({ daoSubnet: 'beta' }))).nodeId).toBe('other-subnet')
    expect((await s.getAvailableNodes('alpha')).map(n => n.nodeId).sort()).toEqual(['busy', 'idle'])
  })

  it('applies every filter of the criteria', () => {
    const s = nodeSelector({ minReputation: 0.5 })
    s.upsert(node('gpu', { capabilities: ['gpu', 'wasm'], memoryMB: 4096, cpuCores: 8, latency: 10 }))
    s.upsert(node('wasm', { capabilities: ['wasm'], memoryMB: 512, cpuCores: 1, latency: 300 }))
    s.upsert(node('shady', { capabilities: ['gpu', 'wasm'], reputation: 0.4, memoryMB: 8192, cpuCores: 16 }))
    const ids = (c: Partial<NodeSelectionCriteria>): string[] => s.select(criteria(c), 10).map(n => n.nodeId)
    expect(ids({})).toEqual(['gpu', 'wasm'])
    expect(ids({ requiredCapabilities: ['gpu'] })).toEqual(['gpu'])
    expect(ids({ resourceRequirements: { capabilities: ['wasm'], minMemoryMB: 1024 } })).toEqual(['gpu'])
    expect(ids({ resourceRequirements: { minCpuCores: 2 } })).toEqual(['gpu'])
    expect(ids({ maxLatency: 100 })).toEqual(['gpu'])
    expect(ids({ excludeNodes: ['gpu'] })).toEqual(['wasm'])
    expect(ids({ minPerformanceScore: 0.6 })).toEqual([])
    expect(ids({ requiredCapabilities: ['tpu'] })).toEqual([])
  })

  it('explains why nothing qualifies', async () => {
    const s = nodeSelector()
    await expect(s.selectNode(criteria())).rejects.toThrow('no node is known in subnet "alpha"')
    s.upsert(node('a'))
    await expect(s.selectNode(criteria({ requiredCapabilities: ['gpu'] }))).rejects.toMatchObject({
      name: NoNodeAvailableError.NAME,
      message: expect.stringContaining('none of the 1 nodes known in subnet "alpha" qualifies (capabilities [gpu]')
    })
  })

  it('keeps reputation and latency across announcements and after a node is forgotten', async () => {
    const s = nodeSelector()
    s.upsert(node('a'))
    await s.updateNodeMetrics('a', { reputation: 0.3, latency: 12 })
    s.upsert(node('a', { currentLoad: 0.5 }))
    expect(s.get('a')).toMatchObject({ reputation: 0.3, latency: 12, currentLoad: 0.5 })
    expect(s.remove('a')).toBe(true)
    s.upsert(node('a'))
    expect(s.get('a')?.reputation).toBe(0.3)
    expect(s.select(criteria())).toEqual([])
    await s.updateNodeMetrics('a', { reputation: 7 })
    expect(s.get('a')?.reputation).toBe(1)
  })

  it('returns the k best distinct nodes, best first, ties by node id (same as a full sort)', () => {
    const arbNode = fc.record({
      id: fc.integer({ min: 0, max: 40 }),
      perf: fc.double({ min: 0, max: 1, noNaN: true }),
      load: fc.constantFrom(0, 0.25, 0.5, 1),
      latency: fc.constantFrom(0, 5, 50, 500),
      rep: fc.constantFrom(0.3, 0.6, 0.8, 1),
      caps: fc.subarray(['gpu', 'wasm', 'net']),
      subnets: fc.subarray(['alpha', 'beta'], { minLength: 1 }),
      region: fc.constantFrom('eu', 'us', undefined)
    })
    fc.assert(fc.property(fc.array(arbNode, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), fc.subarray(['gpu', 'wasm']),
      fc.constantFrom(0, 100), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }), fc.subarray(['us', 'eu', 'ap']), fc.boolean(),
      (nodes, k, caps, maxLatency, excluded, geo, mangleReputation) => {
        const s = nodeSelector({ minReputation: 0.5 })
        const byId = new Map<string, QNETNode>()
        for (const n of nodes) {
          const q = node(`n${n.id}`, { performanceScore: n.perf, currentLoad: n.load, latency: n.latency, reputation: n.rep, capabilities: n.caps, daoSubnets: n.subnets, ...(n.region != null ? { region: n.region } : {}) })
          s.upsert(q)
          // metric updates re-rank the node
          if (mangleReputation) void s.updateNodeMetrics(q.nodeId, { reputation: (n.perf * 7) % 1, latency: n.latency + 3 })
          byId.set(q.nodeId, { ...s.get(q.nodeId)! })
        }
        const c = criteria({ requiredCapabilities: caps, maxLatency, excludeNodes: excluded.map(i => `n${i}`), geographicPreference: geo })
        const expected = [...byId.values()]
          .filter(n => n.daoSubnets.includes('alpha') && !c.excludeNodes!.includes(n.nodeId) && caps.every(x => n.capabilities.includes(x)) && nodeQualifies(n, c, 0.5))
          .sort((a, b) => nodeScore(b, geo) - nodeScore(a, geo) || (a.nodeId < b.nodeId ? -1 : 1))
          .slice(0, k).map(n => n.nodeId)
        expect(s.select(c, k).map(n => n.nodeId)).toEqual(expected)
      }), { numRuns: 300 })
  })
})
