/**
 * Signed node announcements: Ed25519 by the node's identity over
 * `"qflow:announce:v1\n" ‖ dag-cbor(fields without signature)`. The announced `identity`
 * (did:key) must name the same key as `nodeId` (the libp2p peer id), so a node can only speak
 * for itself.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { NodeAnnouncement } from '../../shared/network.js'
import { compact, peerIdFromPublicKey, publicKeyFromDidKey, toBase64url } from '../trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { domainBytes } from './domain-bytes.js'


export type UnsignedAnnouncement = Omit<NodeAnnouncement, 'signature' | 'identity' | 'nodeId' | 'v'>

function bytesToSign (fields: Omit<NodeAnnouncement, 'signature'>): Uint8Array {
  return domainBytes('qflow:announce:v1', fields)
}

export async function signAnnouncement (identity: SquidIdentity, fields: UnsignedAnnouncement): Promise<NodeAnnouncement> {
  const unsigned = compact({ v: 1 as const, nodeId: identity.peerId, identity: identity.id, ...fields })
  return { ...unsigned, signature: toBase64url(await identity.sign(bytesToSign(unsigned))) }
}

export function encodeAnnouncement (a: NodeAnnouncement): Uint8Array {
  return dagCbor.encode(a)
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(s => typeof s === 'string')
const isUnit = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1

/** Decodes and verifies; throws `TypeError` naming the bad field or the failed check. */
export async function decodeAnnouncement (bytes: Uint8Array, verifier: SignatureVerifier): Promise<NodeAnnouncement> {
  let a: any
  try { a = dagCbor.decode(bytes) } catch (err) { throw new TypeError(`announcement: not dag-cbor (${(err as Error).message})`) }
  if (a == null || typeof a !== 'object' || a.v !== 1) throw new TypeError('announcement.v: must be 1')
  for (const f of ['nodeId', 'identity', 'signature'] as const) if (typeof a[f] !== 'string') throw new TypeError(`announcement.${f}: must be a string`)
  for (const f of ['addresses', 'capabilities', 'daoSubnets'] as const) if (!isStrings(a[f])) throw new TypeError(`announcement.${f}: must be a list of strings`)
  for (const f of ['performanceScore', 'currentLoad'] as const) if (!isUnit(a[f])) throw new TypeError(`announcement.${f}: must be a number in [0, 1]`)
  if (!Number.isSafeInteger(a.timestamp)) throw new TypeError('announcement.timestamp: must be an integer (epoch ms)')
  if (!Number.isSafeInteger(a.intervalMs) || a.intervalMs < 1) throw new TypeError('announcement.intervalMs: must be a positive integer (ms)')
  let peerId: string
  try { peerId = peerIdFromPublicKey(publicKeyFromDidKey(a.identity)) } catch { throw new TypeError('announcement.identity: not an Ed25519 did:key') }
  if (peerId !== a.nodeId) throw new TypeError('announcement.nodeId: is not the peer id of announcement.identity')
  const { signature, ...unsigned } = a
  if (!await verifier.verify(a.identity, signature, bytesToSign(unsigned))) throw new TypeError('announcement.signature: does not verify')
  return a as NodeAnnouncement
}
