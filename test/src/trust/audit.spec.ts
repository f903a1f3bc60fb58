import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import type { SignedAuditEntry } from '../../../shared/trust.js'
import {
  auditedHistory, auditLog, auditSigningBytes, cidOfEncoded, createIdentity, createTrustPipeline, memoryValidationHistory, signatureVerifier, toBase64url, verifyAuditLog
} from '../../../src/trust/index.js'
import type { SquidIdentity } from '../../../src/trust/index.js'
import { world } from './fixtures.js'

const verifier = await signatureVerifier()
const node = await createIdentity()
const mallory = await createIdentity()

async function read (blocks: MemoryBlockstore, cid: string): Promise<SignedAuditEntry> {
  const chunks: Uint8Array[] = []
  for await (const c of blocks.get(CID.parse(cid))) chunks.push(c)
  return dagCbor.decode(chunks.length === 1 ? chunks[0] : new Uint8Array(chunks.flatMap(c => [...c])))
}

async function rewrite (blocks: MemoryBlockstore, entry: Omit<SignedAuditEntry, 'signature'>, by: SquidIdentity): Promise<string> {
  const signed = { ...entry, signature: toBase64url(await by.sign(auditSigningBytes(entry))) }
  const bytes = dagCbor.encode(signed)
  const cid = cidOfEncoded(bytes)
  await blocks.put(CID.parse(cid), bytes)
  return cid
}

/** A log of five validations made by the pipeline: the cids, oldest first. */
async function fiveEntries (): Promise<{ blocks: MemoryBlockstore, cids: string[] }> {
  const w = await world()
  const blocks = new MemoryBlockstore()
  const log = auditLog({ signer: node, blocks, clock: w.clock })
  const history = auditedHistory(memoryValidationHistory(), log)
  const trust = await createTrustPipeline({ clock: w.clock, authorities: [w.admin.id], history })
  const cids: string[] = []
  for (let i = 0; i < 5; i++) {
    const op = await w.op()
    await trust.pipeline.validate(i === 3 ? { ...op, target: 'x' } : op, { flow: w.flow }).catch(() => {})
    await history.flush()
    cids.push(log.head() as string)
  }
  return { blocks, cids }
}

describe('audit log', () => {
  it('links every validation, accepted or rejected, and verifies from its head', async () => {
    const { blocks, cids } = await fiveEntries()
    expect(new Set(cids).size).toBe(5)
    expect(await verifyAuditLog(cids[4], { blocks, verifier, signers: [node.id] })).toEqual({ ok: true, length: 5 })
    const fourth = await read(blocks, cids[3])
    expect(fourth).toMatchObject({ seq: 3, prev: cids[2], valid: false, layer: 'qlock', errorType: 'validation_error', signer: node.id })
  })

  it('reports an altered block', async () => {
    const { blocks, cids } = await fiveEntries()
    const entry = await read(blocks, cids[2])
    await blocks.put(CID.parse(cids[2]), dagCbor.encode({ ...entry, valid: !entry.valid }))
    expect(await verifyAuditLog(cids[4], { blocks, verifier })).toMatchObject({ ok: false, broken: { cid: cids[2], seq: 2, reason: 'tampered' } })
  })

  it('reports the earliest forged link of a rewritten history', async () => {
    const { blocks, cids } = await fiveEntries()
    // mallory rewrites entry 1 and re-links 2..4 after it, claiming to be the node
    let prev = cids[0]
    for (let seq = 1; seq < 5; seq++) {
      const { signature: _, ...e } = await read(blocks, cids[seq])
      prev = await rewrite(blocks, { ...e, prev, ...(seq === 1 ? { valid: true } : {}) }, mallory)
    }
    const result = await verifyAuditLog(prev, { blocks, verifier })
    expect(result).toMatchObject({ ok: false, broken: { seq: 1, reason: 'forged', message: /entry 1 .* does not verify for did:key:/ } })
    // re-signed under mallory's own id: valid signatures, but not a trusted signer
    let head = cids[0]
    for (let seq = 1; seq < 5; seq++) {
      const { signature: _, ...e } = await read(blocks, cids[seq])
      head = await rewrite(blocks, { ...e, prev: head, signer: mallory.id }, mallory)
    }
    expect(await verifyAuditLog(head, { blocks, verifier, signers: [node.id] })).toMatchObject({ ok: false, broken: { seq: 1, reason: 'untrusted' } })
  })

  it('reports a missing entry and a broken sequence', async () => {
    const { blocks, cids } = await fiveEntries()
    await blocks.delete(CID.parse(cids[1]))
    expect(await verifyAuditLog(cids[4], { blocks, verifier })).toMatchObject({ ok: false, checked: 3, broken: { cid: cids[1], seq: 1, reason: 'missing' } })
    // a fresh log where entry 3 is dropped from the chain by re-linking entry 4 to entry 2
    const other = await fiveEntries()
    const { signature: _, ...e } = await read(other.blocks, other.cids[4])
    const skipped = await rewrite(other.blocks, { ...e, prev: other.cids[2] }, node)
    expect(await verifyAuditLog(skipped, { blocks: other.blocks, verifier })).toMatchObject({ ok: false, broken: { cid: skipped, seq: 4, reason: 'unlinked', message: /entry 4 .* links to entry 2 .*, not to entry 3/ } })
  })
})
