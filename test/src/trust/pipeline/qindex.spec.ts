import { describe, expect, it } from 'vitest'
import { issueGrant, memoryMetadataIndex, sealPayload } from '../../../../src/trust/index.js'
import type { IndexEntry } from '../../../../src/trust/index.js'
import { HOUR, world } from '../fixtures.js'

describe('qindex', () => {
  it('indexes admitted flows and executions for search by tag, category, owner, visibility and subnet', async () => {
    const w = await world()
    const admitted = await w.op({ context: { grants: w.grants, executionId: 'exec-1' } })
    await w.trust.pipeline.validate(admitted, { flow: w.flow })
    expect(w.trust.index.search({ tag: 'billing' }).map(e => `${e.kind}:${e.id}`).sort()).toEqual(['execution:exec-1', 'flow:billing-report'])
    expect(w.trust.index.search({ kind: 'flow', category: 'finance', owner: w.owner.id, visibility: 'public' }).map(e => e.id)).toEqual(['billing-report'])
    expect(w.trust.index.search({ kind: 'execution', flowId: 'billing-report' })[0]).toMatchObject({ actor: w.alice.id, tags: ['billing', 'reports'] })
    expect(w.trust.index.search({ tag: 'nothing' })).toEqual([])
  })

  it('rejects incomplete or inconsistent metadata, saying which field', async () => {
    const cases: Array<[Partial<{ owner: string, tags: string[], category: string, visibility: any, daoSubnet: string }>, RegExp, string]> = [
      [{ owner: 'local' }, /owner must be an sQuid identity/, 'owner'],
      [{ tags: ['a', 'a'] }, /tags must not repeat/, 'metadata.tags'],
      [{ tags: [''] }, /tags must be a list of non-empty strings/, 'metadata.tags'],
      [{ category: ' ' }, /category must be a non-empty string/, 'metadata.category'],
      [{ visibility: 'secret' }, /visibility must be one of public, dao-only, private/, 'metadata.visibility'],
      [{ visibility: 'dao-only' }, /a dao-only flow must name its DAO subnet/, 'metadata.daoSubnet']
    ]
    const aes = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    for (const [patch, why, path] of cases) {
      const w = await world()
      const payload = await sealPayload({ id: 'k', key: aes }, { input: {} }, w.flow.id)
      const { owner, ...metadata } = patch
      const flow = { ...w.flow, ...(owner != null ? { owner } : {}), metadata: { ...w.flow.metadata, ...metadata } }
      const execute = await issueGrant(w.admin, { audience: w.alice.id, resource: 'flow:billing-report', action: 'execute', ttlMs: HOUR }, { clock: w.clock })
      const err = await w.trust.pipeline.validate(await w.op({ payload, context: { grants: [execute, ...w.grants.slice(1)] } }), { flow }).catch(e => e)
      expect(err, JSON.stringify(patch)).toMatchObject({ layer: 'qindex', type: 'validation_error', message: why, result: { errors: [{ path }] } })
    }
  })

  it('refuses a step that is not part of the flow', async () => {
    const w = await world()
    const op = await w.op()
    await w.trust.pipeline.validate(op, { flow: w.flow })
    const foreign = { id: 'note', type: 'task' as const, action: 'qflow.action.http', params: { url: 'https://api.example.com' } }
    await expect(w.trust.pipeline.validateStep(foreign, { operation: op, flow: w.flow })).rejects.toMatchObject({ layer: 'qindex', code: 'step_unknown' })
  })

  it('keeps members of one DAO subnet from acting on another subnet\'s flows', async () => {
    const members = new Map([['dao.a', new Set<string>()], ['dao.b', new Set<string>()]])
    const w = await world({ isMember: (subnet, id) => members.get(subnet)?.has(id) === true }, { visibility: 'dao-only', daoSubnet: 'dao.b' })
    members.get('dao.a')?.add(w.alice.id)
    // dao-only payloads travel sealed (this pipeline holds no keys, so only the shape is checked)
    const aes = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    const payload = await sealPayload({ id: 'k', key: aes }, { input: {} }, w.flow.id)
    const err = await w.trust.pipeline.validate(await w.op({ payload, context: { grants: w.grants, daoSubnet: 'dao.b' } }), { flow: w.flow }).catch(e => e)
    expect(err).toMatchObject({ layer: 'qindex', type: 'permission_denied', code: 'not_a_member', message: /is not a member of DAO subnet dao\.b/ })
    const claim = await w.trust.pipeline.validate(await w.op({ payload, context: { grants: w.grants, daoSubnet: 'dao.a' } }), { flow: w.flow }).catch(e => e)
    expect(claim).toMatchObject({ code: 'dao_subnet_mismatch' })
    members.get('dao.b')?.add(w.alice.id)
    await expect(w.trust.pipeline.validate(await w.op({ payload, context: { grants: w.grants, daoSubnet: 'dao.b' } }), { flow: w.flow })).resolves.toMatchObject({ valid: true })
  })

  it('search shows a viewer only public entries, its own private ones and its subnets\'', () => {
    const index = memoryMetadataIndex()
    const base = { kind: 'flow' as const, tags: ['t'], category: 'c', at: 0 }
    const entries: IndexEntry[] = [
      { ...base, id: 'pub', flowId: 'pub', owner: 'o1', visibility: 'public' },
      { ...base, id: 'mine', flowId: 'mine', owner: 'me', visibility: 'private' },
      { ...base, id: 'theirs', flowId: 'theirs', owner: 'o2', visibility: 'private' },
      { ...base, id: 'dao-a', flowId: 'dao-a', owner: 'o3', visibility: 'dao-only', daoSubnet: 'a' },
      { ...base, id: 'dao-b', flowId: 'dao-b', owner: 'o3', visibility: 'dao-only', daoSubnet: 'b' },
      { ...base, id: 'dao-b-public', flowId: 'dao-b-public', owner: 'o3', visibility: 'public', daoSubnet: 'b' }
    ]
    for (const e of entries) index.put(e)
    expect(index.search({ tag: 't', viewer: { id: 'me', subnets: ['a'] } }).map(e => e.id).sort()).toEqual(['dao-a', 'mine', 'pub'])
    expect(index.search({ tag: 't', viewer: { id: 'me', subnets: ['b'] } }).map(e => e.id).sort()).toEqual(['dao-b', 'dao-b-public', 'mine', 'pub'])
    index.put({ ...entries[0], tags: ['u'] })
    expect(index.search({ tag: 't' }).map(e => e.id)).not.toContain('pub')
    expect(index.search({ tag: 'u' }).map(e => e.id)).toEqual(['pub'])
  })

  it('keeps at most maxEntries, dropping the least recently indexed', () => {
    const index = memoryMetadataIndex({ maxEntries: 2 })
    const e = (id: string): IndexEntry => ({ kind: 'execution', id, flowId: 'f', owner: 'o', tags: ['t'], category: 'c', visibility: 'public', at: 0 })
    index.put(e('a'))
    index.put(e('b'))
    index.put(e('a'))
    index.put(e('c'))
    expect(index.size).toBe(2)
    expect(index.search({ tag: 't' }).map(x => x.id).sort()).toEqual(['a', 'c'])
    expect(index.get('execution', 'b')).toBeUndefined()
  })

  it('re-indexing moves an entry to its new field values, and stays bounded over many re-puts', () => {
    const index = memoryMetadataIndex({ maxEntries: 3 })
    const e = (id: string, tag: string, at = 0): IndexEntry => ({ kind: 'flow', id, flowId: id, owner: 'o', tags: [tag], category: 'c', visibility: 'public', at })
    index.put(e('f', 'old'))
    index.put(e('f', 'new'))
    expect(index.search({ tag: 'old' })).toEqual([])
    expect(index.search({ tag: 'new' }).map(x => x.id)).toEqual(['f'])
    // a hot entry re-indexed between thousands of others is never the least recently indexed
    for (let i = 0; i < 5000; i++) { index.put(e('hot', 'h', i)); index.put(e(`x${i}`, 'x', i)) }
    expect(index.size).toBe(3)
    expect(index.get('flow', 'hot')?.at).toBe(4999)
    expect(index.search({ tag: 'x' }).map(x => x.id)).toEqual(['x4999', 'x4998'])
  })
})
