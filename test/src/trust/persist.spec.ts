/**
 * The trust store over a blockstore + datastore (memory here; the same code runs on
 * FsBlockstore/FsDatastore in Node): DAO policies, pending signatures, proposals, votes and
 * the audit head survive a reopen; a document altered in the store is refused on reopen.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import type { DaoPolicy } from '../../../shared/trust.js'
import { createIdentity, signatureVerifier, signVote } from '../../../src/trust/index.js'
import { auditHead, openDaoStore, signProposal, storedAuditLog, TRUST_KEYS, verifyStoredAuditLog } from '../../../src/trust/store/index.js'
import { fakeClock } from '../../fixtures/fake-clock.js'

const [ann, ben, cat] = await Promise.all([createIdentity(), createIdentity(), createIdentity()])
const verifier = await signatureVerifier()
const CODE = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

const genesis = (patch: Partial<DaoPolicy> = {}): DaoPolicy => ({
  subnet: 'dao.a', version: 1, members: [ann.id, ben.id, cat.id], admins: [ann.id, ben.id], adminQuorum: 2,
  allowedActions: ['qflow.action.*'], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 2, issuedAt: 0, ...patch
})

function stores (): { blocks: MemoryBlockstore, datastore: MemoryDatastore, open: () => ReturnType<typeof openDaoStore> } {
  const blocks = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  return { blocks, datastore, open: async () => await openDaoStore({ blocks, datastore, verifier }) }
}

describe('DAO store', () => {
  it('keeps a version pending until its admin quorum signed, then publishes it; all of it survives a reopen', async () => {
    const s = stores()
    const dao = await s.open()
    const first = await dao.sign(genesis(), ann)
    expect(first).toMatchObject({ published: false, signers: [ann.id], needed: 2, version: 1 })
    expect(dao.registry.subnets()).toEqual([])
    // a restart in between: the pending signature is kept
    const reopened = await s.open()
    const [pending] = await reopened.pending('dao.a')
    expect(pending).toMatchObject({ cid: first.cid, signers: [ann.id], needed: 2 })
    expect(await reopened.sign(pending.signed, ben)).toMatchObject({ cid: first.cid, published: true, signers: [ann.id, ben.id] })
    expect(await reopened.pending()).toEqual([])
    await reopened.propose(await signProposal(cat, { subnet: 'dao.a', cid: CODE, policy: first.cid }))
    expect(await reopened.vote(await signVote(cat, { subnet: 'dao.a', cid: CODE, policy: first.cid }))).toMatchObject({ approved: false, votes: [cat.id] })
    expect(await reopened.vote(await signVote(ann, { subnet: 'dao.a', cid: CODE, policy: first.cid }))).toMatchObject({ approved: true })

    const after = await s.open()
    expect(after.registry.policy('dao.a')?.cid).toBe(first.cid)
    expect(after.registry.history('dao.a')).toEqual([first.cid])
    expect(after.registry.approval('dao.a', CODE)).toMatchObject({ approved: true, needed: 2 })
    expect(after.registry.isApproved(CODE, { daoSubnet: 'dao.a' })).toBe(true)
    expect((await after.proposal('dao.a', CODE))?.envelope.actor).toBe(cat.id)
    // the policy itself is a block under its own CID
    expect(await s.blocks.has(CID.parse(first.cid))).toBe(true)
  })

  it('refuses a tampered document, a non-admin signer, votes on nothing proposed', async () => {
    const s = stores()
    const dao = await s.open()
    const v1 = await dao.sign(genesis({ adminQuorum: 1 }), ann)
    expect(v1.published).toBe(true)
    const signed = dao.registry.policy('dao.a')!.signed
    const tampered = { ...signed, policy: { ...signed.policy, codeWhitelist: [CODE] } }
    await expect(dao.sign(tampered, ann)).rejects.toMatchObject({ name: 'DaoPolicyError', code: 'policy_tampered', message: /altered after signing/ })
    const v2 = { ...genesis({ adminQuorum: 1 }), version: 2, prev: v1.cid, codeWhitelist: [CODE] }
    await expect(dao.sign(v2, cat)).rejects.toMatchObject({ code: 'not_an_admin', message: /only its admins/ })
    await expect(dao.vote(await signVote(ann, { subnet: 'dao.a', cid: CODE, policy: v1.cid }))).rejects.toMatchObject({ code: 'no_proposal', message: /qflow dao propose/ })
    expect(await dao.sign(v2, ann)).toMatchObject({ published: true, version: 2 })
    expect((await s.open()).registry.isApproved(CODE, { daoSubnet: 'dao.a' })).toBe(true)
  })

  it('refuses to load a policy block altered in the store, naming it', async () => {
    const s = stores()
    const dao = await s.open()
    await dao.sign(genesis({ adminQuorum: 1 }), ann)
    const { versions } = dagCbor.decode<{ versions: string[] }>(await s.datastore.get(TRUST_KEYS.subnet('dao.a')))
    const bytes = (await s.blocks.get(CID.parse(versions[0])).next()).value as Uint8Array
    bytes[bytes.length - 3] ^= 1
    await s.blocks.put(CID.parse(versions[0]), bytes)
    await expect(s.open()).rejects.toMatchObject({ name: 'TrustStoreError', code: 'block_tampered', message: new RegExp(`policy version 1 of dao\\.a \\(${versions[0]}\\) was altered`) })
  })
})

describe('stored audit log', () => {
  it('continues the same chain after a reopen and verifies from the stored head', async () => {
    const blocks = new MemoryBlockstore()
    const datastore = new MemoryDatastore()
    const clock = fakeClock()
    const entry = (i: number): any => ({ operationId: `op-${i}`, check: 'dao:vote', actor: ann.id, type: 'external-event', target: 'dao:dao.a', valid: true, layer: 'qindex' })
    expect(await verifyStoredAuditLog({ blocks, datastore, verifier })).toEqual({ ok: true, length: 0 })
    const log = await storedAuditLog({ signer: ann, blocks, datastore, clock })
    await Promise.all([log.append(entry(0)), log.append(entry(1)), log.append(entry(2))])
    expect(await auditHead(datastore)).toEqual({ cid: log.head(), seq: 2 })
    const again = await storedAuditLog({ signer: ben, blocks, datastore, clock })
    expect(again.length).toBe(3)
    const head = await again.append(entry(3))
    expect(await verifyStoredAuditLog({ blocks, datastore, verifier })).toEqual({ ok: true, length: 4, head })
    expect(await verifyStoredAuditLog({ blocks, datastore, verifier, signers: [ann.id] })).toMatchObject({ ok: false, broken: { seq: 3, reason: 'untrusted' } })
  })
})
