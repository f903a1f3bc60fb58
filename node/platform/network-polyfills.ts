/**
 * Node 20 gaps libp2p needs (STACK.md): `Promise.withResolvers` (libp2p, yamux, gossipsub call
 * it) and a global `WebSocket` (@libp2p/websockets dials with it). Import this module before any
 * libp2p module: ES modules evaluate their imports in order.
 */
import { WebSocket as WsWebSocket } from 'ws'

const P = Promise as any
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function <T> () {
    let resolve!: (value: T | PromiseLike<T>) => void
    let reject!: (reason?: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

/**
 * `ws` is an EventEmitter: an 'error' emitted after libp2p removed its listeners (a peer resetting
 * a socket that is being closed) would be thrown and crash the process. Browsers' WebSocket never
 * throws on error events; this subclass keeps that contract (errors still reach listeners).
 */
class QuietWebSocket extends WsWebSocket {
  constructor (...args: any[]) {
    super(...(args as [any]))
    this.on('error', () => {})
  }
}

const g = globalThis as any
if (typeof g.WebSocket !== 'function') g.WebSocket = QuietWebSocket

export {}
