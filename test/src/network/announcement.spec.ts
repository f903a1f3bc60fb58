import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { decodeAnnouncement, encodeAnnouncement, signAnnouncement } from '../../../src/network/index.js'
import { createIdentity, signatureVerifier } from '../../../src/trust/index.js'

const fields = { addresses: [], capabilities: ['wasm'], performanceScore: 1, currentLoad: 0, daoSubnets: ['alpha'], timestamp: 1, intervalMs: 1000 }

describe('node announcements', () => {
  it('round-trips a signed announcement whose node id is the identity\'s peer id', async () => {
    const id = await createIdentity()
    const a = await signAnnouncement(id, fields)
    expect(a.nodeId).toBe(id.peerId)
    expect(await decodeAnnouncement(encodeAnnouncement(a), await signatureVerifier())).toEqual(a)
  })

  it('rejects altered, impersonating and malformed announcements, naming the field', async () => {
    const [alice, mallory] = await Promise.all([createIdentity(), createIdentity()])
    const verifier = await signatureVerifier()
    const a = await signAnnouncement(alice, fields)
    const decode = async (v: unknown): Promise<unknown> => await decodeAnnouncement(dagCbor.encode(v), verifier)
    await expect(decode({ ...a, currentLoad: 0.5 })).rejects.toThrow('announcement.signature: does not verify')
    const forged = await signAnnouncement(mallory, fields)
    await expect(decode({ ...forged, nodeId: alice.peerId })).rejects.toThrow('announcement.nodeId: is not the peer id of announcement.identity')
    await expect(decode({ ...a, performanceScore: 2 })).rejects.toThrow('announcement.performanceScore: must be a number in [0, 1]')
    await expect(decode({ ...a, daoSubnets: 'alpha' })).rejects.toThrow('announcement.daoSubnets: must be a list of strings')
    await expect(decodeAnnouncement(new Uint8Array([0xff]), verifier)).rejects.toThrow(/announcement: not dag-cbor/)
  })
})
