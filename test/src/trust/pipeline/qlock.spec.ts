import { describe, expect, it } from 'vitest'
import type { DataKey } from '../../../../src/state/qlock/keyring.js'
import { openPayload, sealPayload } from '../../../../src/trust/index.js'
import { world } from '../fixtures.js'

async function key (id: string, owner: string): Promise<DataKey> {
  return { id, owner, key: await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']) }
}

describe('qlock: payload encryption by visibility', () => {
  it('requires a sealed payload for private flows, under a key of the owner this node holds', async () => {
    const base = await world()
    const ownerKey = await key('k-owner', base.owner.id)
    const otherKey = await key('k-other', base.alice.id)
    const strayKey = await key('k-stray', base.owner.id)
    const keys = { get: async (id: string) => { const k = [ownerKey, otherKey].find(k => k.id === id); if (k == null) throw Object.assign(new Error('no key'), { name: 'KeyNotFoundError' }); return k } }
    const w = await world({ keys }, { visibility: 'private' })
    const validate = async (payload: unknown): Promise<unknown> => await w.trust.pipeline.validate(await w.op({ payload }), { flow: w.flow }).catch(e => e)

    expect(await validate({ input: { month: '2026-01' } })).toMatchObject({ layer: 'qlock', type: 'validation_error', code: 'payload_not_encrypted', message: /is private: its payload must be sealed with a Qlock key of did:key:/ })
    expect(await validate(await sealPayload(strayKey, { input: {} }, w.flow.id))).toMatchObject({ code: 'no_decryption_key', type: 'permission_denied', message: /holds no key k-stray/ })
    expect(await validate(await sealPayload(otherKey, { input: {} }, w.flow.id))).toMatchObject({ code: 'key_owner_mismatch', message: /sealed with a key of did:key:.*, but flow billing-report belongs to/ })
    expect(await validate(await sealPayload(ownerKey, { input: {} }, 'another-flow'))).toMatchObject({ code: 'payload_undecryptable' })
    const sealed = await sealPayload(ownerKey, { input: { month: '2026-01' } }, w.flow.id)
    const ok = await validate(sealed) as { valid: boolean, metadata: { layers: Array<{ metadata: Record<string, unknown> }> } }
    expect(ok).toMatchObject({ valid: true })
    expect(ok.metadata.layers[0].metadata.encrypted).toBe(true)
    expect(await openPayload(ownerKey, sealed, w.flow.id)).toEqual({ input: { month: '2026-01' } })
  })

  it('leaves public flows free to send clear payloads', async () => {
    const w = await world()
    await expect(w.trust.pipeline.validate(await w.op(), { flow: w.flow })).resolves.toMatchObject({ valid: true })
  })
})
