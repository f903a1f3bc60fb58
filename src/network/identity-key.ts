/**
 * The libp2p private key of an sQuid identity whose private key may not leave its key object
 * (a browser tab's non-extractable WebCrypto key). libp2p only signs with its key (noise
 * handshake, gossipsub messages, signed peer records), so a key that signs through
 * `identity.sign` is enough; `raw` throws `KeyNotExtractableError`. Extractable identities get
 * the ordinary key (`libp2pKeyOf`).
 */
import type { Ed25519PrivateKey, Ed25519PublicKey, PrivateKey } from '@libp2p/interface'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { KeyNotExtractableError } from '../trust/index.js'
import type { SquidIdentity } from '../trust/index.js'
import { libp2pKeyOf } from './libp2p-node.js'

/**
 * @example
 * const libp2p = await createQflowLibp2p({ privateKey: await libp2pSigningKeyOf(identity), transports })
 * libp2p.peerId.toString() === identity.peerId // true
 */
export async function libp2pSigningKeyOf (identity: SquidIdentity): Promise<PrivateKey> {
  if (identity.extractable) return await libp2pKeyOf(identity)
  const publicKey = publicKeyFromRaw(identity.publicKey) as Ed25519PublicKey
  const key: Ed25519PrivateKey = {
    type: 'Ed25519',
    publicKey,
    get raw (): Uint8Array { throw new KeyNotExtractableError(identity.id) },
    equals: (other?: any) => other === key || (other?.type === 'Ed25519' && other.publicKey?.equals?.(publicKey) === true),
    sign: async (data) => await identity.sign(data instanceof Uint8Array ? data : data.subarray())
  }
  return key
}
