/**
 * `GET /api/v1/dao/subnets` and `/:id` from the runtime's DAO registry: members see their
 * subnets, relay admins see all, non-members and anonymous readers see none (404 exactly like
 * an unknown subnet); the detail names members, admins, policy CID and versions, quorums and
 * the approved code (whitelist, and proposals the quorum voted for).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApiAuth } from '../../../node/api/auth/index.js'
import { daoViewOf } from '../../../node/api/routes/dao.js'
import type { DaoPolicy } from '../../../shared/trust.js'
import { trust } from '../../../src/index.js'
import { apiHarness } from './setup.js'
import type { ApiHarness } from './setup.js'

const WHITELISTED = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const VOTED = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve'
const PROPOSED = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
const OWNER = 'did:key:z6MkOwnerOfTheRelay'

function policy (subnet: string, members: trust.SquidIdentity[], admins: trust.SquidIdentity[], extra: Partial<DaoPolicy> = {}): DaoPolicy {
  return {
    subnet, version: 1, members: members.map(m => m.id), admins: admins.map(a => a.id), adminQuorum: 1,
    allowedActions: ['qflow.action.*'], allowedHosts: {}, resourceCaps: { maxMemoryMB: 64 }, codeWhitelist: [], approvalQuorum: 1, issuedAt: 1_700_000_000_000,
    ...extra
  }
}

describe('api: DAO subnets', () => {
  let h: ApiHarness
  let alice: trust.SquidIdentity
  let bob: trust.SquidIdentity
  let carol: trust.SquidIdentity
  let cids: Record<string, string>

  const as = async (token: string | undefined, path: string): Promise<Response> =>
    await h.app.request(path, token != null ? { headers: { authorization: `Bearer ${token}` } } : {})

  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(async name => await trust.createIdentity({ name })))
    const dao = trust.daoRegistry(await trust.signatureVerifier())
    cids = {
      'dao.a': await dao.publish(await trust.signPolicy(policy('dao.a', [alice, bob], [alice], { approvalQuorum: 2, codeWhitelist: [WHITELISTED] }), [alice])),
      'dao.b': await dao.publish(await trust.signPolicy(policy('dao.b', [carol], [carol]), [carol]))
    }
    // VOTED reaches the quorum (2 of 2), PROPOSED has one vote
    for (const voter of [alice, bob]) await dao.vote(await trust.signVote(voter, { subnet: 'dao.a', cid: VOTED, policy: cids['dao.a'] }))
    await dao.vote(await trust.signVote(alice, { subnet: 'dao.a', cid: PROPOSED, policy: cids['dao.a'] }))
    const proposals = { dao: { proposals: async (subnet: string) => subnet === 'dao.a' ? [VOTED, PROPOSED].map(cid => ({ payload: { cid } })) : [] } }
    h = await apiHarness({
      dao: daoViewOf({ dao, store: proposals }),
      auth: createApiAuth({
        tokens: new Map([['alice', alice.id], ['bob', bob.id], ['carol', carol.id], ['owner', OWNER]]),
        admins: [OWNER],
        subnets: (id) => dao.subnets().filter(s => dao.isMember(s, id))
      })
    })
  })
  afterEach(async () => { await h.runtime.close() })

  const listed = async (token?: string): Promise<string[]> => {
    const res = await as(token, '/api/v1/dao/subnets')
    expect(res.status).toBe(200)
    return (await res.json()).subnets.map((s: { id: string }) => s.id)
  }

  it('lists each caller the subnets it is a member of; the relay admin sees all; anonymous sees none', async () => {
    expect(await listed('alice')).toEqual(['dao.a'])
    expect(await listed('carol')).toEqual(['dao.b'])
    expect(await listed('owner')).toEqual(['dao.a', 'dao.b'])
    expect(await listed(undefined)).toEqual([])
    const [a] = (await (await as('bob', '/api/v1/dao/subnets')).json()).subnets
    expect(a).toEqual({ id: 'dao.a', version: 1, policyCid: cids['dao.a'], members: [alice.id, bob.id], admins: [alice.id], adminQuorum: 1, approvalQuorum: 2 })
  })

  it('shows a member the subnet: members, admins, policy, quorums and approved code', async () => {
    const res = await as('bob', '/api/v1/dao/subnets/dao.a')
    expect(res.status).toBe(200)
    const { subnet } = await res.json()
    expect(subnet).toMatchObject({
      id: 'dao.a', version: 1, policyCid: cids['dao.a'], versions: [cids['dao.a']],
      members: [alice.id, bob.id], admins: [alice.id], adminQuorum: 1, approvalQuorum: 2,
      allowedActions: ['qflow.action.*'], resourceCaps: { maxMemoryMB: 64 }, codeWhitelist: [WHITELISTED]
    })
    expect(subnet.approvedCode).toEqual([VOTED, WHITELISTED].sort())
    expect(subnet.proposals).toEqual([
      { cid: PROPOSED, votes: [alice.id], needed: 2, approved: false },
      { cid: VOTED, votes: [alice.id, bob.id].sort(), needed: 2, approved: true }
    ].sort((x, y) => x.cid.localeCompare(y.cid)))
  })

  it('answers a non-member, an anonymous reader and an unknown id with the same 404', async () => {
    const unknown = await as('alice', '/api/v1/dao/subnets/dao.zzz')
    expect(unknown.status).toBe(404)
    const hidden = await as('alice', '/api/v1/dao/subnets/dao.b')
    expect(hidden.status).toBe(404)
    expect(await hidden.json()).toEqual({ type: 'NotFoundError', message: 'no DAO subnet "dao.b"', path: '/api/v1/dao/subnets/dao.b' })
    expect((await as(undefined, '/api/v1/dao/subnets/dao.a')).status).toBe(404)
    expect((await as('owner', '/api/v1/dao/subnets/dao.b')).status).toBe(200)
  })
})
