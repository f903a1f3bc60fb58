import { describe, expect, it } from 'vitest'
import type { DaoPolicy } from '../../../shared/trust.js'
import { assertApproved, DAO_APPROVED } from '../../../src/sandbox/index.js'
import { createIdentity, daoRegistry, issueGrant, policyCid, sealPayload, signatureVerifier, signPolicy, signVote } from '../../../src/trust/index.js'
import { HOUR, world } from './fixtures.js'

const [ann, ben, cat, dan, eve] = await Promise.all([createIdentity(), createIdentity(), createIdentity(), createIdentity(), createIdentity()])
const verifier = await signatureVerifier()
const CODE = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

function genesis (patch: Partial<DaoPolicy> = {}): DaoPolicy {
  return {
    subnet: 'dao.a', version: 1, members: [ann.id, ben.id, cat.id, dan.id], admins: [ann.id, ben.id], adminQuorum: 2,
    allowedActions: ['qflow.action.*'], allowedHosts: { 'qflow.action.http': ['api.example.com'] }, resourceCaps: { maxMemoryMB: 64 },
    codeWhitelist: [], approvalQuorum: 3, issuedAt: 0, ...patch
  }
}

describe('DAO policies', () => {
  it('are content-addressed, versioned, and need the admin quorum of the version they replace', async () => {
    const dao = daoRegistry(verifier)
    const v1 = await signPolicy(genesis(), [ann, ben])
    expect(await dao.publish(v1)).toBe(policyCid(v1.policy))
    const v2 = genesis({ version: 2, prev: policyCid(v1.policy), admins: [ann.id, eve.id], members: [ann.id, ben.id, cat.id, dan.id, eve.id], adminQuorum: 1 })
    // eve, a new admin of v2, cannot sign it in: v1's admins govern the change
    await expect(dao.publish(await signPolicy(v2, [eve]))).rejects.toMatchObject({ type: 'dao_policy_violation', code: 'policy_quorum', message: /0 valid admin signature\(s\); 2 needed/ })
    await expect(dao.publish(await signPolicy(v2, [ann]))).rejects.toMatchObject({ code: 'policy_quorum' })
    expect(await dao.publish(await signPolicy(v2, [ann, ben]))).toBe(policyCid(v2))
    expect(dao.history('dao.a')).toEqual([policyCid(v1.policy), policyCid(v2)])
    await expect(dao.publish(await signPolicy({ ...v2, version: 3 }, [ann]))).rejects.toMatchObject({ code: 'policy_chain' })
  })

  it('reject a tampered policy', async () => {
    const dao = daoRegistry(verifier)
    const signed = await signPolicy(genesis(), [ann, ben])
    const tampered = { ...signed, policy: { ...signed.policy, codeWhitelist: [CODE] } }
    await expect(dao.publish(tampered)).rejects.toMatchObject({ name: 'DaoPolicyError', type: 'dao_policy_violation', code: 'policy_tampered', message: /altered after signing/ })
    await expect(dao.publish(await signPolicy(genesis({ adminQuorum: 3 }), [ann, ben]))).rejects.toMatchObject({ code: 'policy_malformed' })
  })
})

describe('code approval by vote', () => {
  it('approves a CID once k of n members voted; the sandbox\'s dao-approved mode follows', async () => {
    const dao = daoRegistry(verifier)
    const cid = await dao.publish(await signPolicy(genesis(), [ann, ben]))
    const ctx = { daoSubnet: 'dao.a' }
    await expect(assertApproved([DAO_APPROVED], dao, CODE, ctx)).rejects.toMatchObject({ type: 'dao_policy_violation', message: /the DAO policy of dao\.a does not approve it/ })
    expect(await dao.vote(await signVote(ann, { subnet: 'dao.a', cid: CODE, policy: cid }))).toMatchObject({ votes: [ann.id], needed: 3, approved: false })
    await dao.vote(await signVote(ann, { subnet: 'dao.a', cid: CODE, policy: cid }))
    expect(await dao.vote(await signVote(ben, { subnet: 'dao.a', cid: CODE, policy: cid }))).toMatchObject({ approved: false })
    expect(dao.isApproved(CODE, ctx)).toBe(false) // quorum not reached: two distinct votes of three
    await expect(dao.vote(await signVote(eve, { subnet: 'dao.a', cid: CODE, policy: cid }))).rejects.toMatchObject({ code: 'not_a_member' })
    const forged = { ...await signVote(cat, { subnet: 'dao.a', cid: CODE, policy: cid }), cid: 'bafkreiother' }
    await expect(dao.vote(forged)).rejects.toMatchObject({ code: 'vote_forged' })
    expect(await dao.vote(await signVote(cat, { subnet: 'dao.a', cid: CODE, policy: cid }))).toMatchObject({ approved: true })
    await expect(assertApproved([DAO_APPROVED], dao, CODE, ctx)).resolves.toBeUndefined()
    expect(dao.isApproved(CODE, { daoSubnet: 'dao.b' })).toBe(false)
    expect(dao.isApproved(CODE, {})).toBe(false)
  })
})

describe('DAO subnets in the pipeline', () => {
  it('keep non-members out, and apply the subnet\'s hosts and resource caps', async () => {
    const dao = daoRegistry(verifier)
    const base = await world()
    await dao.publish(await signPolicy(genesis({ members: [ann.id, ben.id, base.alice.id] }), [ann, ben]))
    const w = await world({ dao }, { visibility: 'public', daoSubnet: 'dao.a' })
    const op = async (by = w.alice): Promise<any> => await w.op({ by, context: { grants: w.grants, daoSubnet: 'dao.a' } })
    const flow = { ...w.flow, steps: [w.flow.steps[0], w.flow.steps[2]] }
    await expect(w.trust.pipeline.validate(await op(), { flow })).resolves.toMatchObject({ valid: true })
    const hooks = { ...w.flow, steps: w.flow.steps.map(s => s.id === 'post' ? { ...s, params: { url: 'https://hooks.example.org/x' } } : s) }
    await expect(w.trust.pipeline.validate(await op(), { flow: hooks })).rejects.toMatchObject({ layer: 'qerberos', code: 'host_not_allowed', message: /allowed hosts are api\.example\.com/ })
    const big = { ...flow, steps: [{ ...flow.steps[1], resourceLimits: { maxMemoryMB: 512 } }] }
    await expect(w.trust.pipeline.validate(await op(), { flow: big })).rejects.toMatchObject({ code: 'resource_cap_exceeded', message: /maxMemoryMB 512; the cap is 64/ })
    const secret = { ...flow, metadata: { ...flow.metadata, visibility: 'dao-only' as const } }
    const aes = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
    const payload = await sealPayload({ id: 'k', key: aes }, {}, flow.id)
    // mallory holds every grant the flow needs, but is not a member of dao.a
    const hers = [
      await issueGrant(w.owner, { audience: w.mallory.id, resource: `flow:${flow.id}`, action: 'execute', ttlMs: HOUR }, { clock: w.clock }),
      await issueGrant(w.admin, { audience: w.mallory.id, resource: '*', action: '*', ttlMs: HOUR }, { clock: w.clock })
    ]
    await expect(w.trust.pipeline.validate(await w.op({ by: w.mallory, payload, context: { grants: hers, daoSubnet: 'dao.a' } }), { flow: secret }))
      .rejects.toMatchObject({ layer: 'qindex', type: 'permission_denied', code: 'not_a_member' })
  })
})
