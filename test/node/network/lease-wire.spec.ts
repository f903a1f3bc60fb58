/**
 * The lease batch record (`qflow:lease:v2`): one signature for many leases, chunked under the
 * message size, and every malformed or forged batch refused with the field that is wrong.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import type { LeaseEntry } from '../../../shared/network.js'
import { chunkLeaseEntries, decodeLeaseBatch, encodeLeaseBatch, signLeaseBatch } from '../../../src/network/index.js'
import { createIdentity, signatureVerifier } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'

const CHECKPOINT = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const entries = (n: number): LeaseEntry[] => Array.from({ length: n }, (_, i) => ({ executionId: `exec-${i}`, seq: i % 3, expiresAt: 1_700_000_000_000 + i, checkpoint: CHECKPOINT }))

const alice = await createIdentity({ backend: nodeEd25519 })
const bob = await createIdentity({ backend: nodeEd25519 })
const verifier = await signatureVerifier({ backend: nodeEd25519 })

describe('lease batch wire', () => {
  const opts = { subnet: 'alpha', from: alice.peerId }
  const decode = async (record: unknown, options = opts): Promise<unknown> => await decodeLeaseBatch(dagCbor.encode(record), verifier, options)

  it('carries many leases under one signature, as signed', async () => {
    const leases = [...entries(3), { executionId: 'done', seq: 1, expiresAt: 5, released: true as const }]
    const batch = await signLeaseBatch(alice, 'alpha', leases)
    const back = await decodeLeaseBatch(encodeLeaseBatch(batch), verifier, opts)
    expect(back).toEqual({ v: 2, subnet: 'alpha', holder: alice.peerId, identity: alice.id, leases, signature: batch.signature })
  })

  it('chunks at the batch size, and by bytes when ids are long', () => {
    expect(chunkLeaseEntries(entries(1200)).map(c => c.length)).toEqual([500, 500, 200])
    expect(chunkLeaseEntries(entries(3), 1).map(c => c.length)).toEqual([1, 1, 1])
    const long = Array.from({ length: 1000 }, (_, i) => ({ executionId: `${'x'.repeat(200)}-${i}`, seq: 0, expiresAt: 1, checkpoint: CHECKPOINT }))
    const chunks = chunkLeaseEntries(long)
    expect(chunks.flat()).toEqual(long)
    for (const chunk of chunks) expect(dagCbor.encode(chunk).length).toBeLessThan(160 * 1024)
    expect(chunks.length).toBeGreaterThan(2)
  })

  it('refuses malformed, foreign and forged batches, naming the field', async () => {
    const good = await signLeaseBatch(alice, 'alpha', entries(2))
    await expect(decodeLeaseBatch(new Uint8Array([0xff, 0x00]), verifier, opts)).rejects.toThrow(/^leaseBatch: not dag-cbor/)
    // the single-lease record of the first wire
    await expect(decode({ v: 1, executionId: 'e', subnet: 'alpha', holder: alice.peerId, identity: alice.id, seq: 0, expiresAt: 1, signature: 'x' })).rejects.toThrow('leaseBatch.v: must be 2 (got 1)')
    await expect(decode(good, { subnet: 'beta', from: alice.peerId })).rejects.toThrow(/^leaseBatch.subnet: alpha is not this topic's subnet/)
    await expect(decode(good, { subnet: 'alpha', from: bob.peerId })).rejects.toThrow('leaseBatch.holder: is not the gossip publisher')
    await expect(decode({ ...good, identity: bob.id })).rejects.toThrow('leaseBatch.holder: is not the peer id of leaseBatch.identity')
    await expect(decode({ ...good, leases: [] })).rejects.toThrow(/^leaseBatch.leases: must be a list of 1-1024 leases/)
    await expect(decode({ ...good, leases: entries(1025) })).rejects.toThrow(/^leaseBatch.leases: must be a list/)
    await expect(decode({ ...good, extra: 1 })).rejects.toThrow('leaseBatch.extra: not a lease batch field')
    const bad = async (patch: Record<string, unknown>): Promise<unknown> => await decode({ ...good, leases: [good.leases[0], { ...good.leases[1], ...patch }] })
    await expect(bad({ seq: -1 })).rejects.toThrow('leaseBatch.leases[1].seq: must be a non-negative integer')
    await expect(bad({ seq: 1.5 })).rejects.toThrow('leaseBatch.leases[1].seq: must be a non-negative integer')
    await expect(bad({ expiresAt: 'soon' })).rejects.toThrow('leaseBatch.leases[1].expiresAt: must be a non-negative number (epoch ms)')
    await expect(bad({ executionId: '' })).rejects.toThrow(/^leaseBatch.leases\[1\].executionId: must be a string/)
    await expect(bad({ executionId: good.leases[0].executionId })).rejects.toThrow('leaseBatch.leases[1].executionId: exec-0 appears twice')
    await expect(bad({ released: false })).rejects.toThrow('leaseBatch.leases[1].released: must be true when present')
    await expect(bad({ checkpoint: 7 })).rejects.toThrow(/^leaseBatch.leases\[1\].checkpoint: must be a CID string/)
    await expect(bad({ data: 'secret' })).rejects.toThrow('leaseBatch.leases[1].data: not a lease field')
    // a lease changed after signing, or a batch signed by another key
    await expect(decode({ ...good, leases: [good.leases[0], { ...good.leases[1], seq: 9 }] })).rejects.toThrow('leaseBatch.signature: does not verify')
    const bobs = await signLeaseBatch(bob, 'alpha', entries(2))
    await expect(decode({ ...good, signature: bobs.signature })).rejects.toThrow('leaseBatch.signature: does not verify')
  })
})
