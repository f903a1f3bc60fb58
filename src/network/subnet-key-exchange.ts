/**
 * `/qflow/subnet-key/1.0.0`: a node asks a peer for a subnet's secrets. The peer answers only a
 * member of the subnet (`isMember(subnet, did)` of the requester's identity, which the
 * connection authenticated: its peer id is its Ed25519 key) and seals the secrets to that
 * identity (`subnet-keys.ts`); the requester keeps them only from a member. One dag-cbor frame
 * each way.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { didKeyFromPublicKey } from '../trust/index.js'
import type { SquidIdentity } from '../trust/index.js'
import { ProtocolError } from './errors.js'
import type { QflowLibp2p } from './libp2p-node.js'
import { openSubnetSecrets, sealSubnetSecrets } from './subnet-keys.js'
import type { SealedSecrets } from './subnet-keys.js'
import type { SubnetSecrets } from './subnet-keyring.js'

export const SUBNET_KEY_PROTOCOL = '/qflow/subnet-key/1.0.0'

export interface SubnetKeyExchangeComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  secrets: SubnetSecrets
  /** DAO membership (e.g. `runtime.trust.dao.isMember`). */
  isMember: (subnet: string, did: string) => boolean
}

type Reply = { ok: true, sealed: SealedSecrets } | { ok: false, reason: string }

export interface SubnetKeyExchange {
  start(): Promise<void>
  stop(): Promise<void>
  /** Asks `peerId` for `subnet`'s secrets; resolves with how many were new. Rejects naming why the peer refused. */
  request(peerId: string, subnet: string, options?: { signal?: AbortSignal }): Promise<number>
}

const edKeyOf = (peerId: string): Uint8Array => {
  const key = peerIdFromString(peerId).publicKey
  if (key?.type !== 'Ed25519') throw new ProtocolError(`peer ${peerId}: not an Ed25519 identity`)
  return key.raw
}

export function subnetKeyExchange (c: SubnetKeyExchangeComponents): SubnetKeyExchange {
  const serve = async (stream: Stream, connection: Connection): Promise<void> => {
    const lp = lpStream(stream, { maxDataLength: 4096 })
    try {
      const ask: any = dagCbor.decode((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray())
      const subnet = typeof ask?.subnet === 'string' ? ask.subnet : ''
      const peer = connection.remotePeer.toString()
      let reply: Reply
      const requester = edKeyOf(peer)
      const did = didKeyFromPublicKey(requester)
      if (subnet === '') reply = { ok: false, reason: 'request.subnet: must be a subnet name' }
      else if (!c.isMember(subnet, did)) reply = { ok: false, reason: `${did} is not a member of DAO subnet ${subnet}` }
      else if (c.secrets.list(subnet).length === 0) reply = { ok: false, reason: `no secret of subnet ${subnet} here` }
      else reply = { ok: true, sealed: sealSubnetSecrets(subnet, c.secrets.list(subnet), { sender: c.identity.publicKey, recipient: requester }) }
      await lp.write(dagCbor.encode(reply))
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  return {
    async start () {
      await c.libp2p.handle(SUBNET_KEY_PROTOCOL, (stream, connection) => { void serve(stream, connection) }, { runOnLimitedConnection: true })
    },
    async stop () {
      await c.libp2p.unhandle(SUBNET_KEY_PROTOCOL)
    },
    async request (peerId, subnet, options = {}) {
      const sender = edKeyOf(peerId)
      if (!c.isMember(subnet, didKeyFromPublicKey(sender))) throw new ProtocolError(`subnet key of ${subnet}: peer ${peerId} is not a member; its secrets are not taken`)
      const signal = options.signal ?? AbortSignal.timeout(10_000)
      const stream = await c.libp2p.dialProtocol(peerIdFromString(peerId), SUBNET_KEY_PROTOCOL, { signal, runOnLimitedConnection: true })
      const lp = lpStream(stream, { maxDataLength: 1024 * 1024 })
      try {
        await lp.write(dagCbor.encode({ subnet }), { signal })
        const reply = dagCbor.decode<Reply>((await lp.read({ signal })).subarray())
        if (reply?.ok !== true) throw new ProtocolError(`subnet key of ${subnet}: peer ${peerId} refused: ${String((reply as any)?.reason ?? 'no reason')}`)
        const secrets = openSubnetSecrets(subnet, reply.sealed, { sender, recipient: c.identity.publicKey, seed: await c.identity.exportSeed() })
        return await c.secrets.add(subnet, secrets)
      } finally {
        await stream.close().catch(() => {})
      }
    }
  }
}
