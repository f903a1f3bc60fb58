/**
 * The subnet secrets of a networked node on disk: `<dataDir>/subnet-secrets.cbor`, sealed to the
 * node's own identity (the same X25519 sealing peers use, `src/network/subnet-keys.ts`), mode
 * 0600. Never plaintext: the file alone opens nothing without the node's key.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { openSubnetSecrets, sealSubnetSecrets, subnetSecrets } from '../../src/network/index.js'
import type { SealedSecrets, SubnetSecrets } from '../../src/network/index.js'
import type { SquidIdentity } from '../../src/trust/index.js'

export const SUBNET_SECRETS_FILE = 'subnet-secrets.cbor'

export async function openSubnetSecretsFile (dataDir: string, identity: SquidIdentity): Promise<SubnetSecrets> {
  const path = join(dataDir, SUBNET_SECRETS_FILE)
  const self = { sender: identity.publicKey, recipient: identity.publicKey }
  const initial: Record<string, Uint8Array[]> = {}
  let bytes: Uint8Array | undefined
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  if (bytes != null) {
    const sealed = dagCbor.decode<Record<string, SealedSecrets>>(bytes)
    const seed = await identity.exportSeed()
    for (const [subnet, box] of Object.entries(sealed)) initial[subnet] = openSubnetSecrets(subnet, box, { ...self, seed })
    seed.fill(0)
  }
  return subnetSecrets(initial, async (all) => {
    const out: Record<string, SealedSecrets> = {}
    for (const [subnet, list] of Object.entries(all)) out[subnet] = sealSubnetSecrets(subnet, list, self)
    await writeFile(`${path}.tmp`, dagCbor.encode(out), { mode: 0o600 })
    await rename(`${path}.tmp`, path)
  })
}
