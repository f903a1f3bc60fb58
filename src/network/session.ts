/**
 * Coordinator side of dispatch sessions: one long-lived `/qflow/dispatch/1.0.0` stream per
 * executor, opened on first use (optimistic protocol selection) and shared by every step sent
 * there. Opening a libp2p stream costs a peer-store write and a protocol negotiation (~2 ms here);
 * a session pays it once. One reader per session hands each message to its request by `rid`;
 * when the stream ends (the executor died, disconnected or stopped) every pending request hears
 * `onClose` at once, which is what failover waits on.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { DISPATCH_PROTOCOL } from '../../shared/network.js'
import type { DispatchMessage, QNETNode } from '../../shared/network.js'
import type { QflowLibp2p } from './libp2p-node.js'
import { messageChannel } from './wire.js'
import type { MessageChannel } from './wire.js'

export interface PendingRequest {
  onMessage(message: DispatchMessage): void
  onClose(err: Error): void
}

export interface Session {
  readonly nodeId: string
  /** A request id unique within the session. */
  nextRid(): string
  /** Registers `rid` and sends `message`; the listener hears every message for `rid` until `forget`. */
  send(rid: string, message: DispatchMessage, listener: PendingRequest, options?: { signal?: AbortSignal }): Promise<void>
  forget(rid: string): void
  /** Forgets `rid` and asks the executor to stop it (best effort). */
  cancel(rid: string): void
  readonly open: boolean
}

export interface DispatchSessions {
  /** The open session with `node`, opening one when needed. */
  get(node: QNETNode, options: { signal: AbortSignal }): Promise<Session>
  /** Closes every session (pending requests hear `onClose`). */
  close(): void
}

export function dispatchSessions (c: { libp2p: QflowLibp2p }): DispatchSessions {
  const sessions = new Map<string, Promise<StreamSession>>()
  return {
    async get (node, options) {
      let pending = sessions.get(node.nodeId)
      if (pending != null) {
        const s = await pending.catch(() => undefined)
        if (s?.open === true) return s
        if (sessions.get(node.nodeId) === pending) sessions.delete(node.nodeId)
      }
      pending = openSession(c.libp2p, node, options.signal, () => { if (sessions.get(node.nodeId) === pending) sessions.delete(node.nodeId) })
      sessions.set(node.nodeId, pending)
      pending.catch(() => { if (sessions.get(node.nodeId) === pending) sessions.delete(node.nodeId) })
      return await pending
    },
    close () {
      for (const p of sessions.values()) void p.then(s => { s.end(new Error('dispatch sessions closed')) }, () => {})
      sessions.clear()
    }
  }
}

async function openSession (libp2p: QflowLibp2p, node: QNETNode, signal: AbortSignal, gone: () => void): Promise<StreamSession> {
  const peer = peerIdFromString(node.nodeId)
  const target = libp2p.getConnections(peer).length > 0 || node.address === '' ? peer : multiaddr(node.address)
  const stream = await libp2p.dialProtocol(target, DISPATCH_PROTOCOL, { signal, negotiateFully: false, runOnLimitedConnection: true })
  return new StreamSession(node.nodeId, messageChannel(stream), gone)
}

class StreamSession implements Session {
  open = true
  private rid = 0
  private readonly pending = new Map<string, PendingRequest>()

  constructor (readonly nodeId: string, private readonly channel: MessageChannel, private readonly gone: () => void) {
    void this.readLoop()
  }

  nextRid (): string { return (++this.rid).toString(36) }

  async send (rid: string, message: DispatchMessage, listener: PendingRequest, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.open) throw new Error('the dispatch session is closed')
    this.pending.set(rid, listener)
    try {
      await this.channel.send(message, options)
    } catch (err) {
      this.pending.delete(rid)
      throw err
    }
  }

  forget (rid: string): void {
    this.pending.delete(rid)
  }

  /** Best effort: tells the executor to stop a step (nothing to do if the session is gone). */
  cancel (rid: string): void {
    this.pending.delete(rid)
    if (this.open) this.channel.send({ kind: 'cancel', rid }).catch(() => {})
  }

  end (err: Error): void {
    if (!this.open) return
    this.open = false
    this.gone()
    this.channel.stream.abort(err)
    const listeners = [...this.pending.values()]
    this.pending.clear()
    for (const l of listeners) l.onClose(err)
  }

  private async readLoop (): Promise<void> {
    try {
      for (;;) {
        const message = await this.channel.read()
        this.pending.get(message.rid)?.onMessage(message)
      }
    } catch (err) {
      this.end(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
