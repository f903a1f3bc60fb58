/**
 * DAO-approved code end to end on a data directory: a subnet, a proposal and k-of-n votes
 * recorded in the trust store (what `qflow dao create/propose/vote` write), then a runtime on
 * the same directory runs the approved function and refuses the one nobody approved.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DaoPolicy } from '../../../shared/trust.js'
import { openNodeTrustStore } from '../../../node/platform/trust-store.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import { cidOfSource } from '../../../src/sandbox/index.js'
import { createIdentity, signVote } from '../../../src/trust/index.js'
import { signProposal } from '../../../src/trust/store/index.js'
import { flow, task } from '../../fixtures/engine.js'

const [ann, bob] = await Promise.all([createIdentity(), createIdentity()])
const APPROVED = 'return { doubled: input.a * 2 }'
const ONE_VOTE = 'return { tripled: input.a * 3 }'

const genesis: DaoPolicy = {
  subnet: 'dao.a', version: 1, members: [ann.id, bob.id].sort(), admins: [ann.id], adminQuorum: 1, allowedActions: ['qflow.action.*'],
  allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 2, issuedAt: 0
}

const fnFlow = (id: string, code: string): ReturnType<typeof flow> => flow([task('f', 'qflow.action.function', { code, input: { a: '${input.a}' } })], {
  id, owner: ann.id, metadata: { tags: ['dao'], category: 'test', visibility: 'dao-only', daoSubnet: 'dao.a', requiredPermissions: [] }
})

describe('DAO-approved code in the node runtime', () => {
  it('runs code approved by the quorum in the trust store and refuses code short of it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qflow-dao-code-'))
    const store = await openNodeTrustStore({ dataDir })
    try {
      expect(await store.dao.sign(genesis, ann)).toMatchObject({ published: true })
      const policy = store.dao.registry.policy('dao.a')!.cid
      for (const code of [APPROVED, ONE_VOTE]) {
        const cid = (await cidOfSource(code)).toString()
        await store.dao.propose(await signProposal(ann, { subnet: 'dao.a', cid, policy }))
        await store.dao.vote(await signVote(ann, { subnet: 'dao.a', cid, policy }))
        if (code === APPROVED) expect(await store.dao.vote(await signVote(bob, { subnet: 'dao.a', cid, policy }))).toMatchObject({ approved: true })
      }
    } finally {
      await store.close()
    }

    const runtime = await createNodeRuntime({ dataDir })
    try {
      for (const [id, code] of [['approved', APPROVED], ['one-vote', ONE_VOTE]]) await runtime.engine.registerFlow(fnFlow(id, code))
      const ok = await runtime.engine.waitForExecution(await runtime.start('approved', { a: 21 }, { actor: ann }))
      expect(ok).toMatchObject({ status: 'completed', output: { doubled: 42 } })
      const refused = await runtime.engine.waitForExecution(await runtime.start('one-vote', { a: 1 }, { actor: ann }))
      expect(refused.status).toBe('failed')
      expect(refused.steps.f.error).toMatchObject({ type: 'dao_policy_violation', message: expect.stringMatching(/the DAO policy of dao\.a does not approve it/) })
    } finally {
      await runtime.close()
    }
  })
})
