/**
 * Subnet secrets: sealed to one member identity (X25519 from its Ed25519 key), served over
 * `/qflow/subnet-key/1.0.0` only to members of the subnet's DAO, and the data key every member
 * derives from them opens what another member sealed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  libp2pKeyOf, newSubnetSecret, openSubnetSecrets, sealSubnetSecrets, subnetKeyExchange, subnetKeyMaterial, subnetKeyring, subnetSecrets
} from '../../../src/network/index.js'
import type { QflowLibp2p } from '../../../src/network/index.js'
import { createIdentity, daoRegistry, signatureVerifier, signPolicy } from '../../../src/trust/index.js'
import type { SquidIdentity } from '../../../src/trust/index.js'
import { localKeyring, seal, unseal } from '../../../src/state/index.js'
import { MemoryDatastore } from 'datastore-core'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { createNodeLibp2p } from '../../../node/platform/libp2p-node.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

async function node (identity: SquidIdentity): Promise<QflowLibp2p> {
  const libp2p = await createNodeLibp2p({ privateKey: await libp2pKeyOf(identity), relay: false })
  cleanup.push(async () => { await libp2p.stop() })
  return libp2p
}

describe('subnet keys', () => {
  it('seals secrets to one identity: only its key opens them, and the box names the subnet', async () => {
    const [alice, bob, eve] = await Promise.all([createIdentity(), createIdentity(), createIdentity()])
    const secret = newSubnetSecret()
    const sealed = sealSubnetSecrets('acme', [secret], { sender: alice.publicKey, recipient: bob.publicKey })
    expect(Buffer.from(sealed.ct).includes(Buffer.from(secret))).toBe(false)
    expect(openSubnetSecrets('acme', sealed, { sender: alice.publicKey, recipient: bob.publicKey, seed: await bob.exportSeed() })).toEqual([secret])
    const [eveSeed, bobSeed] = [await eve.exportSeed(), await bob.exportSeed()]
    expect(() => openSubnetSecrets('acme', sealed, { sender: alice.publicKey, recipient: eve.publicKey, seed: eveSeed })).toThrow(/do not open with this node's key/)
    expect(() => openSubnetSecrets('other', sealed, { sender: alice.publicKey, recipient: bob.publicKey, seed: bobSeed })).toThrow(/do not open/)
  })

  it('serves the secrets to DAO members only, and a member opens what another sealed', async () => {
    const [admin, a, b, outsider] = await Promise.all([createIdentity(), createIdentity(), createIdentity(), createIdentity()])
    const dao = daoRegistry(await signatureVerifier({ backend: nodeEd25519 }))
    await dao.publish(await signPolicy({
      subnet: 'acme', version: 1, members: [admin.id, a.id, b.id], admins: [admin.id], adminQuorum: 1,
      allowedActions: ['qflow.*'], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [], approvalQuorum: 1, issuedAt: 0
    } as any, [admin]))
    const isMember = (subnet: string, did: string): boolean => dao.isMember(subnet, did)
    const [la, lb, lo] = await Promise.all([node(a), node(b), node(outsider)])
    const sa = subnetSecrets()
    const sb = subnetSecrets()
    const ka = subnetKeyring({ subnets: ['acme'], local: await localKeyring({ datastore: new MemoryDatastore(), masterKey: new Uint8Array(32).fill(1) }), secrets: sa })
    const kb = subnetKeyring({ subnets: ['acme'], local: await localKeyring({ datastore: new MemoryDatastore(), masterKey: new Uint8Array(32).fill(2) }), secrets: sb })
    const sealed = await seal(await ka.current('did:key:someone'), new TextEncoder().encode('state of e1'), new TextEncoder().encode('qflow:log:e1'))
    await expect(kb.get(sealed.keyId)).rejects.toMatchObject({ name: 'KeyNotFoundError' })

    const xa = subnetKeyExchange({ libp2p: la, identity: a, secrets: sa, isMember })
    await xa.start()
    const xb = subnetKeyExchange({ libp2p: lb, identity: b, secrets: sb, isMember })
    const xo = subnetKeyExchange({ libp2p: lo, identity: outsider, secrets: subnetSecrets(), isMember: () => true })
    await lb.dial(la.getMultiaddrs()[0])
    await lo.dial(la.getMultiaddrs()[0])
    await expect(xo.request(a.peerId, 'acme')).rejects.toThrow(`${outsider.id} is not a member of DAO subnet acme`)
    expect(await xb.request(a.peerId, 'acme')).toBe(1)
    const key = await kb.get(sealed.keyId)
    expect(key.id).toBe(subnetKeyMaterial('acme', sa.list('acme')[0]).id)
    expect(new TextDecoder().decode(await unseal(async (id) => await kb.get(id), sealed, new TextEncoder().encode('qflow:log:e1'), { kind: 'execution', id: 'e1' }))).toBe('state of e1')
  })
})
