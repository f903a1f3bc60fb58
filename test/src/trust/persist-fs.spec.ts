/**
 * `openNodeTrustStore`: the trust store under `<dataDir>/trust/` on FsBlockstore/FsDatastore,
 * one process at a time, and nothing outside `trust/` (the state store owns the rest).
 */
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openNodeTrustStore } from '../../../node/platform/trust-store.js'
import { createIdentity, signPolicy } from '../../../src/trust/index.js'

const ann = await createIdentity()

describe('trust store on a data directory', () => {
  it('keeps policies and the audit head across reopen, locks, and stays inside trust/', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qflow-trust-store-'))
    const first = await openNodeTrustStore({ dataDir })
    await expect(openNodeTrustStore({ dataDir })).rejects.toMatchObject({ name: 'DataDirLockedError', message: /trust is in use by process/ })
    const policy = { subnet: 'dao.fs', version: 1, members: [ann.id], admins: [ann.id], adminQuorum: 1, allowedActions: [], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 1 }
    const { cid } = await first.dao.sign(await signPolicy(policy, []), ann)
    const log = await first.audit(ann)
    const head = await log.append({ operationId: cid, check: 'dao:create', actor: ann.id, type: 'external-event', target: 'dao:dao.fs', valid: true, layer: 'qindex' })
    await first.close()

    const second = await openNodeTrustStore({ dataDir })
    try {
      expect(second.dao.registry.policy('dao.fs')?.cid).toBe(cid)
      expect(await second.verifyAudit()).toEqual({ ok: true, length: 1, head })
      expect((await second.audit(ann)).length).toBe(1)
    } finally {
      await second.close()
    }
    expect(readdirSync(dataDir)).toEqual(['trust'])
    expect(readdirSync(join(dataDir, 'trust')).sort()).toEqual(['blocks', 'datastore'])
  })
})
