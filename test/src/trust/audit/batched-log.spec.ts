/**
 * `auditLog` group-commits its appends: those made while a batch is written go out together as
 * the next batch, each entry linking the one before and the last one signed (its signature
 * covers the batch by its links); a failed write fails only its own appends and the chain
 * continues from the last written head. `verifyAuditLog` refuses an entry no signature covers.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { auditLog, auditSigningBytes, cidOfEncoded, createIdentity, signatureVerifier, toBase64url, verifyAuditLog } from '../../../../src/trust/index.js'
import type { AuditBlock, AuditFields } from '../../../../src/trust/index.js'
import { collectBytes } from '../../../../src/util/bytes.js'
import { deferred } from '../../../fixtures/engine.js'
import { fakeClock } from '../../../fixtures/fake-clock.js'

const verifier = await signatureVerifier()
const node = await createIdentity()
const entry = (i: number): AuditFields => ({ operationId: `op-${i}`, check: 'validate', actor: node.id, type: 'flow-execution', target: 'flow:f', valid: true, layer: 'qindex' })

/** A write that stores blocks and records each batch; `gate` (when set) holds the next write until released. */
function recorder (blocks: MemoryBlockstore): { write: (entries: AuditBlock[], head: { cid: string, seq: number }) => Promise<void>, batches: Array<{ size: number, head: { cid: string, seq: number } }>, hold: () => () => void, failNext: () => void } {
  const batches: Array<{ size: number, head: { cid: string, seq: number } }> = []
  let gate: Promise<void> | undefined
  let fail = false
  return {
    batches,
    hold: () => { const d = deferred<void>(); gate = d.promise; return () => { gate = undefined; d.resolve() } },
    failNext: () => { fail = true },
    async write (entries, head) {
      if (gate != null) await gate
      if (fail) { fail = false; throw new Error('disk full') }
      for (const { cid, bytes } of entries) await blocks.put(CID.parse(cid), bytes)
      batches.push({ size: entries.length, head })
    }
  }
}

describe('batched audit log', () => {
  it('writes appends made during a write as one next batch, in call order, one verifiable chain', async () => {
    const blocks = new MemoryBlockstore()
    const r = recorder(blocks)
    const log = auditLog({ signer: node, clock: fakeClock(), write: r.write })
    const release = r.hold()
    const first = log.append(entry(0)) // its batch waits at the gate
    const rest = Array.from({ length: 49 }, async (_, i) => await log.append(entry(i + 1)))
    expect(log.length).toBe(0) // nothing is written yet
    release()
    const cids = [await first, ...await Promise.all(rest)]
    expect(r.batches.map(b => b.size)).toEqual([1, 49])
    expect(r.batches[1].head).toEqual({ cid: cids[49], seq: 49 })
    expect(log.head()).toBe(cids[49])
    expect(log.length).toBe(50)
    expect(await verifyAuditLog(cids[49], { blocks, verifier, signers: [node.id] })).toEqual({ ok: true, length: 50 })
  })

  it('fails only the appends of a failed write, and continues the chain from the last written head', async () => {
    const blocks = new MemoryBlockstore()
    const r = recorder(blocks)
    const log = auditLog({ signer: node, clock: fakeClock(), write: r.write })
    const kept = await log.append(entry(0))
    r.failNext()
    const release = r.hold()
    const lost = log.append(entry(1))
    const after = log.append(entry(2))
    release()
    await expect(lost).rejects.toThrow('disk full')
    // entry 2 was queued behind the failed batch: it is written next and links entry 0
    const head = await after
    expect(log.length).toBe(2)
    expect(r.batches.map(b => b.head.seq)).toEqual([0, 1])
    expect(await verifyAuditLog(head, { blocks, verifier })).toEqual({ ok: true, length: 2 })
    expect(log.head()).toBe(head)
    expect(head).not.toBe(kept)
  })

  it('signs the last entry of each batch only; an entry no valid signature covers is refused', async () => {
    const blocks = new MemoryBlockstore()
    const r = recorder(blocks)
    const log = auditLog({ signer: node, clock: fakeClock(), write: r.write })
    const release = r.hold()
    const first = log.append(entry(0))
    const rest = Array.from({ length: 9 }, async (_, i) => await log.append(entry(i + 1)))
    release()
    const cids = [await first, ...await Promise.all(rest)]
    const decoded = await Promise.all(cids.map(async cid => dagCbor.decode(await collectBytes(await blocks.get(CID.parse(cid)))) as { signature?: string, signer: string }))
    // batches [0] and [1..9]: entries 0 and 9 are signed, 1..8 name the signer only
    expect(decoded.map(e => e.signature != null)).toEqual([true, false, false, false, false, false, false, false, false, true])
    expect(decoded.every(e => e.signer === node.id)).toBe(true)
    expect(await verifyAuditLog(cids[9], { blocks, verifier, signers: [node.id] })).toEqual({ ok: true, length: 10 })

    // an unsigned entry appended after the head: nothing covers it
    const put = async (value: unknown): Promise<string> => { const bytes = dagCbor.encode(value); const cid = cidOfEncoded(bytes); await blocks.put(CID.parse(cid), bytes); return cid }
    const { signature: _, ...tail } = decoded[9] as Record<string, unknown>
    const appended = await put({ ...tail, seq: 10, prev: cids[9], operationId: 'op-forged' })
    expect(await verifyAuditLog(appended, { blocks, verifier })).toMatchObject({ ok: false, broken: { seq: 10, reason: 'forged', message: /not signed and no valid signature of a later entry covers it/ } })
    // an entry of the batch changed and the batch re-linked: the last entry's signature no longer verifies,
    // so it covers none of 1..8 (the earliest is reported)
    const changed = await put({ ...(decoded[8] as Record<string, unknown>), operationId: 'op-changed' })
    const relinked = await put({ ...(decoded[9] as Record<string, unknown>), prev: changed })
    expect(await verifyAuditLog(relinked, { blocks, verifier })).toMatchObject({ ok: false, broken: { seq: 1, reason: 'forged' } })
    // mallory re-signs the last entry as herself: her signature verifies, but entries 1..8 name the node
    const mallory = await createIdentity()
    const { signature: _s, ...last } = decoded[9] as Record<string, unknown>
    const resigned = await put({ ...last, signer: mallory.id, signature: toBase64url(await mallory.sign(auditSigningBytes({ ...last, signer: mallory.id } as any))) })
    expect(await verifyAuditLog(resigned, { blocks, verifier })).toMatchObject({ ok: false, broken: { seq: 1, reason: 'forged', message: new RegExp(`names ${node.id} as its signer but is covered by a signature of ${mallory.id}`) } })
  })
})
