/**
 * The only file that touches `node:http` (through @hono/node-server): serves an API app with
 * its WebSocket streams on `host:port` (default 127.0.0.1:8080; port 0 picks a free one).
 * `close()` stops listening and closes open connections and WebSockets.
 *
 * @example
 * const server = await serveApi({ app: createApiApp({ ...runtime, auth }) })
 * console.log(server.url) // http://127.0.0.1:8080
 * await server.close()
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { WebSocketServer } from 'ws'

export interface ServeApiInit {
  app: Pick<Hono, 'fetch'>
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8080; 0: an ephemeral port. */
  port?: number
}

export interface ApiServer {
  url: string
  port: number
  close(): Promise<void>
}

export async function serveApi (init: ServeApiInit): Promise<ApiServer> {
  const host = init.host ?? '127.0.0.1'
  const wss = new WebSocketServer({ noServer: true })
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: init.app.fetch, hostname: host, port: init.port ?? 8080, websocket: { server: wss } }, () => {
      s.off('error', reject)
      resolve(s as Server)
    }) as Server
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host
  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: async () => {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const client of wss.clients) client.terminate()
        server.close((err) => { err != null ? reject(err) : resolve() })
        server.closeAllConnections()
        wss.close()
      })
      await closing
    }
  }
}
