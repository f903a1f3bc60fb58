import { describe, expect, it } from 'vitest'
import { NoConsensusError, tally } from '../../../src/network/index.js'
import type { ReplicaOutcome } from '../../../src/network/index.js'

const ok = (nodeId: string, output: unknown): ReplicaOutcome => ({ nodeId, ok: true, output, logs: [], hash: '' })

describe('tally', () => {
  it('lets the majority by content hash win and names the outvoted nodes', () => {
    const v = tally([ok('a', { x: 1, y: [2] }), ok('liar', { x: 2 }), ok('b', { y: [2], x: 1 })], 3)
    expect(v.winner.output).toEqual({ x: 1, y: [2] })
    expect(v.winners).toEqual(['a', 'b'])
    expect(v.losers).toEqual(['liar'])
    expect(v.lines.at(-1)).toMatch(/^vote: 2 of 3 agree on bafy\w+; outvoted: liar$/)
  })

  it('needs more than half of k, counting replicas that produced nothing', () => {
    const none: ReplicaOutcome = { nodeId: '', ok: false, logs: [], hash: '' }
    const v = tally([ok('a', 1), ok('b', 2), none], 3)
    expect(v.winner.ok).toBe(false)
    expect(v.winner.error).toBeInstanceOf(NoConsensusError)
    expect(v.losers).toEqual([])
    expect(tally([ok('a', 1), ok('b', 1), none], 3).winner.output).toBe(1)
  })

  it('treats agreeing failures as a result', () => {
    const fail = (nodeId: string): ReplicaOutcome => ({ nodeId, ok: false, error: { name: 'StepError', message: 'boom' }, logs: [], hash: '' })
    const v = tally([fail('a'), fail('b'), ok('c', 1)], 3)
    expect(v.winner.ok).toBe(false)
    expect(v.losers).toEqual(['c'])
  })
})
