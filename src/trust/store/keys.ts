/**
 * Datastore keys of the trust store: the mutable pointers. Everything they point at is an
 * immutable, content-addressed block (`blocks.ts`). Subnet names and voter ids are multibase
 * base32 in keys (safe as file names); CIDs are already base32.
 *
 *   /qflow/trust/dao/subnet/<subnet>                  { subnet, versions: [signed policy CIDs, oldest first] }
 *   /qflow/trust/dao/pending/<subnet>/<policy CID>    signed policy CID (collecting admin signatures)
 *   /qflow/trust/dao/proposal/<subnet>/<code CID>     proposal CID
 *   /qflow/trust/dao/vote/<subnet>/<code CID>/<voter> vote CID
 *   /qflow/trust/audit/head                           { cid, seq } of the audit log head
 */
import { getOptional } from '../../state/datastore-io.js'
import { Key } from 'interface-datastore'
import type { Datastore } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'

/** The datastore subset the trust store needs. */
export type TrustPointers = Pick<Datastore, 'get' | 'put' | 'delete' | 'query'>

const utf8 = new TextEncoder()
const name = (text: string): string => base32.encode(utf8.encode(text))

export const TRUST_KEYS = {
  subnets: '/qflow/trust/dao/subnet/',
  subnet: (subnet: string) => new Key(`/qflow/trust/dao/subnet/${name(subnet)}`),
  pendingOf: (subnet: string) => `/qflow/trust/dao/pending/${name(subnet)}/`,
  pending: (subnet: string, policyCid: string) => new Key(`/qflow/trust/dao/pending/${name(subnet)}/${policyCid}`),
  proposalsOf: (subnet: string) => `/qflow/trust/dao/proposal/${name(subnet)}/`,
  proposal: (subnet: string, code: string) => new Key(`/qflow/trust/dao/proposal/${name(subnet)}/${code}`),
  votes: '/qflow/trust/dao/vote/',
  vote: (subnet: string, code: string, voter: string) => new Key(`/qflow/trust/dao/vote/${name(subnet)}/${code}/${name(voter)}`),
  auditHead: new Key('/qflow/trust/audit/head')
}

/** The value under `key`, or undefined (every datastore throws `NotFoundError`). */
export async function getPointer (datastore: TrustPointers, key: Key): Promise<Uint8Array | undefined> {
  return await getOptional(datastore, key)
}

export const cidBytes = (cid: string): Uint8Array => utf8.encode(cid)
export const cidText = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
