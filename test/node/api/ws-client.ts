/** A `ws` client of the API's WebSocket streams that keeps every message, for the stream specs. */
import WebSocket from 'ws'

export interface Client {
  ws: WebSocket
  messages: any[]
  /** Resolves with the first message (already received or not) matching `pred`. */
  next(pred: (m: any) => boolean): Promise<any>
  closed: Promise<{ code: number }>
}

export async function connect (url: string, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(url, { headers })
  const messages: any[] = []
  const waiters: Array<{ pred: (m: any) => boolean, resolve: (m: any) => void }> = []
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString())
    messages.push(m)
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m) }
  })
  const closed = new Promise<{ code: number }>(resolve => { ws.on('close', (code: number) => { resolve({ code }) }) })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve() })
    ws.once('unexpected-response', (_req: unknown, res: { statusCode: number }) => { reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })) })
    ws.once('error', reject)
  })
  return {
    ws,
    messages,
    closed,
    next: async (pred) => {
      const found = messages.find(pred)
      if (found != null) return found
      return await new Promise(resolve => { waiters.push({ pred, resolve }) })
    }
  }
}
