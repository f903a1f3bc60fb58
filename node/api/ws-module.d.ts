/**
 * The part of `ws` (8.x, which ships no types; @types/ws is not installed) that `serve.ts` and
 * the tests use.
 */
declare module 'ws' {
  import type { EventEmitter } from 'node:events'
  import type { IncomingMessage } from 'node:http'
  import type { Duplex } from 'node:stream'

  export class WebSocket extends EventEmitter {
    constructor (address: string, options?: { headers?: Record<string, string> })
    static readonly OPEN: 1
    readonly readyState: 0 | 1 | 2 | 3
    readonly protocol: string
    send (data: string | ArrayBuffer | ArrayBufferView, options?: { compress?: boolean }, cb?: (err?: Error) => void): void
    close (code?: number, reason?: string): void
    terminate (): void
  }

  export class WebSocketServer extends EventEmitter {
    constructor (options: { noServer: true })
    readonly options: { noServer?: boolean }
    readonly clients: Set<WebSocket>
    handleUpgrade (request: IncomingMessage, socket: Duplex, head: Buffer, callback: (ws: WebSocket) => void): void
    close (cb?: (err?: Error) => void): void
  }

  export default WebSocket
}
