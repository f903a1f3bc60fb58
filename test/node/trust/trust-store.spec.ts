/**
 * `openNodeTrustStore`: the trust store in one LevelDB under `<dataDir>/trust/`, one process at
 * a time, nothing outside `trust/` (the state store owns the rest); audit batches written
 * atomically; tampering found through the LevelDB; the earlier one-file-per-block layout migrated.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import { CID } from 'multiformats/cid'
import { afterAll, describe, expect, it } from 'vitest'
import { openLevelDb } from '../../../node/platform/level-stores.js'
import { openNodeTrustStore, TRUST_DB } from '../../../node/platform/trust-store.js'
import { createIdentity, signatureVerifier, signPolicy } from '../../../src/trust/index.js'
import { openDaoStore, storedAuditLog } from '../../../src/trust/store/index.js'
import { collectBytes } from '../../../src/util/bytes.js'
import { fakeClock } from '../../fixtures/fake-clock.js'

const ann = await createIdentity()
const scratch = mkdtempSync(join(tmpdir(), 'qflow-trust-store-'))
afterAll(() => { rmSync(scratch, { recursive: true, force: true }) })
const policy = (subnet: string): any => ({ subnet, version: 1, members: [ann.id], admins: [ann.id], adminQuorum: 1, allowedActions: [], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 1 })
const entry = (i: number): any => ({ operationId: `op-${i}`, check: 'validate', actor: ann.id, type: 'flow-execution', target: 'flow:f', valid: i % 7 !== 3, layer: 'qindex' })

describe('trust store on a data directory (LevelDB)', () => {
  it('keeps policies and the audit head across reopen, locks, and stays inside trust/', async () => {
    const dataDir = mkdtempSync(join(scratch, 'reopen-'))
    const first = await openNodeTrustStore({ dataDir })
    await expect(openNodeTrustStore({ dataDir })).rejects.toMatchObject({ name: 'DataDirLockedError', message: /trust is in use by process/ })
    const { cid } = await first.dao.sign(await signPolicy(policy('dao.fs'), []), ann)
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
    expect(readdirSync(join(dataDir, 'trust'))).toEqual([TRUST_DB])
  })

  it('writes concurrent audit appends in order as one chain that a reopened store verifies and continues', async () => {
    const dataDir = mkdtempSync(join(scratch, 'batch-'))
    const store = await openNodeTrustStore({ dataDir })
    const log = await store.audit(ann)
    const cids = await Promise.all(Array.from({ length: 300 }, async (_, i) => await log.append(entry(i))))
    expect(new Set(cids).size).toBe(300)
    expect(log.head()).toBe(cids[299])
    await store.close()

    const again = await openNodeTrustStore({ dataDir })
    try {
      expect(await again.verifyAudit({ signers: [ann.id] })).toEqual({ ok: true, length: 300, head: cids[299] })
      const more = await again.audit(ann)
      const next = await more.append(entry(300))
      expect(await again.verifyAudit()).toEqual({ ok: true, length: 301, head: next })
    } finally {
      await again.close()
    }
  })

  it('reports an audit entry altered inside the LevelDB', async () => {
    const dataDir = mkdtempSync(join(scratch, 'tamper-'))
    const store = await openNodeTrustStore({ dataDir })
    const log = await store.audit(ann)
    const cids = await Promise.all(Array.from({ length: 5 }, async (_, i) => await log.append(entry(i))))
    await store.close()
    const db = await openLevelDb(join(dataDir, 'trust', TRUST_DB))
    const bytes = (await collectBytes(db.blockstore.get(CID.parse(cids[2])))).slice()
    bytes[bytes.length - 5] ^= 0x01
    await db.blockstore.put(CID.parse(cids[2]), bytes)
    await db.close()

    const reopened = await openNodeTrustStore({ dataDir })
    try {
      expect(await reopened.verifyAudit()).toMatchObject({ ok: false, broken: { seq: 2, cid: cids[2], reason: 'tampered' } })
    } finally {
      await reopened.close()
    }
  })

  it('migrates a one-file-per-block trust directory: policies and the audit chain carry over, the old folders go', async () => {
    const dataDir = mkdtempSync(join(scratch, 'migrate-'))
    const trustDir = join(dataDir, 'trust')
    mkdirSync(trustDir)
    // the earlier layout, written as the earlier version wrote it
    const blocks = new FsBlockstore(join(trustDir, 'blocks'))
    const datastore = new FsDatastore(join(trustDir, 'datastore'))
    await blocks.open()
    await datastore.open()
    const old = await openDaoStore({ blocks, datastore, verifier: await signatureVerifier() })
    const { cid } = await old.sign(await signPolicy(policy('dao.old'), []), ann)
    const oldLog = await storedAuditLog({ signer: ann, blocks, datastore, clock: fakeClock() })
    const oldHead = (await Promise.all([0, 1, 2].map(async i => await oldLog.append(entry(i)))))[2]
    await blocks.close()
    await datastore.close()

    const store = await openNodeTrustStore({ dataDir })
    try {
      expect(readdirSync(trustDir).sort()).toEqual(['LOCK', TRUST_DB])
      expect(store.dao.registry.policy('dao.old')?.cid).toBe(cid)
      expect(await store.verifyAudit()).toEqual({ ok: true, length: 3, head: oldHead })
      const log = await store.audit(ann)
      const head = await log.append(entry(3))
      expect(await store.verifyAudit()).toEqual({ ok: true, length: 4, head })
    } finally {
      await store.close()
    }
  })
})
