/**
 * The state keyring's master key, derived from an sQuid identity's private key: HKDF-SHA256
 * (RFC 5869) over the 32-byte Ed25519 seed with a fixed info string. The identity's key file
 * (encrypted with the passphrase, if any) is then the node's one secret: whoever holds the
 * identity opens its data, and a data directory copied without it is ciphertext.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { SquidIdentity } from './identity.js'

/** The HKDF info: changing it would orphan every keyring derived so far. */
export const KEYRING_KEY_INFO = 'qflow:state-keyring:v1'

const SALT = new TextEncoder().encode('qflow:squid-derived-key')

/**
 * 32 bytes for `localKeyring({ masterKey })`. Throws `KeyNotExtractableError` for a
 * platform-protected identity (its seed never leaves the key object).
 *
 * @example
 * const masterKey = await keyringMasterKey(node)
 * await openNodeStateStore({ dataDir, masterKey })
 */
export async function keyringMasterKey (identity: Pick<SquidIdentity, 'exportSeed'>, info: string = KEYRING_KEY_INFO): Promise<Uint8Array> {
  const seed = await identity.exportSeed()
  try {
    return hkdf(sha256, seed, SALT, new TextEncoder().encode(info), 32)
  } finally {
    seed.fill(0)
  }
}
