import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { workerPool, type PoolJobHooks } from '../../../src/sandbox/pool/worker-pool.js'
import type { WorkerPort } from '../../../src/sandbox/pool/worker-port.js'
import type { FunctionJob, HostMessage, WorkerMessage } from '../../../src/sandbox/protocol.js'

/** A worker stand-in the test drives by hand. */
interface FakePort extends WorkerPort {
  sent: HostMessage[]
  terminated: boolean
  say(message: WorkerMessage): void
  /** Resolves with the next message of this type the pool posts. */
  nextSent(type: HostMessage['type']): Promise<HostMessage>
}

function fakeSpawner (): { spawn: () => FakePort, ports: FakePort[] } {
  const ports: FakePort[] = []
  return {
    ports,
    spawn: () => {
      const waiters: Array<{ type: string, resolve(m: HostMessage): void }> = []
      const port: FakePort = {
        sent: [],
        terminated: false,
        post (m) {
          this.sent.push(m)
          const i = waiters.findIndex(w => w.type === m.type)
          if (i !== -1) waiters.splice(i, 1)[0].resolve(m)
        },
        nextSent: type => new Promise(resolve => waiters.push({ type, resolve })),
        terminate () { this.terminated = true },
        say (m) { this.onMessage?.(m) }
      }
      ports.push(port)
      return port
    }
  }
}

const job: Omit<FunctionJob, 'id'> = {
  type: 'run', kind: 'function', code: 'return 1', input: '{}', context: '{}', fetch: false,
  limits: { timeMs: 100, memoryBytes: 1 << 20, outputBytes: 1000, logBytes: 1000, stackBytes: 1 << 16 }
}
const hooks = (extra: Partial<PoolJobHooks> = {}): PoolJobHooks => ({ limitMs: 100, backstopMs: 125, onLog: () => {}, ...extra })
const lastRunId = (port: FakePort): number => (port.sent.filter(m => m.type === 'run').at(-1) as FunctionJob).id

afterEach(() => { vi.useRealTimers() })

describe('worker pool', () => {
  it('starts the configured number of workers and asks each to warm up', () => {
    const { spawn, ports } = fakeSpawner()
    workerPool({ spawn, size: 3, memoryBytes: 42 }).start()
    expect(ports).toHaveLength(3)
    for (const p of ports) expect(p.sent).toEqual([{ type: 'warm', memoryBytes: 42 }])
  })

  it('runs a job on a ready worker and resolves with its output', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const lines: string[] = []
    const result = pool.run(job, hooks({ onLog: l => lines.push(l) }))
    ports[0].say({ type: 'ready' })
    const id = lastRunId(ports[0])
    ports[0].say({ type: 'log', id, line: 'hello' })
    ports[0].say({ type: 'done', id, ok: true, output: '1' })
    await expect(result).resolves.toBe('1')
    expect(lines).toEqual(['hello'])
    expect(pool.stats()).toMatchObject({ size: 1, ready: 1, busy: 0, spawned: 1, replaced: 0 })
  })

  it('terminates a worker that outlives the backstop and replaces it', async () => {
    vi.useFakeTimers()
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const result = pool.run(job, hooks())
    ports[0].say({ type: 'ready' })
    const failed = expect(result).rejects.toMatchObject({ type: ErrorType.TIMEOUT_ERROR })
    vi.advanceTimersByTime(125)
    await failed
    expect(ports[0].terminated).toBe(true)
    expect(ports).toHaveLength(2)
    expect(pool.stats()).toMatchObject({ size: 1, replaced: 1, spawned: 2 })
  })

  it('fails the job of a worker that dies and replaces the worker', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const first = pool.run(job, hooks())
    ports[0].say({ type: 'ready' })
    ports[0].onExit?.(Object.assign(new Error('heap limit'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }))
    await expect(first).rejects.toMatchObject({ type: ErrorType.RESOURCE_EXHAUSTED })
    const second = pool.run(job, hooks())
    ports[1].say({ type: 'ready' })
    ports[1].say({ type: 'done', id: lastRunId(ports[1]), ok: true, output: '2' })
    await expect(second).resolves.toBe('2')
  })

  it('hands the job of a retiring worker to a fresh one', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const result = pool.run(job, hooks())
    ports[0].say({ type: 'ready' })
    ports[0].say({ type: 'retire' })
    expect(ports[0].terminated).toBe(true)
    ports[1].say({ type: 'ready' })
    ports[1].say({ type: 'done', id: lastRunId(ports[1]), ok: true, output: '3' })
    await expect(result).resolves.toBe('3')
  })

  it('stops respawning after repeated start failures and fails the queue', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const result = pool.run(job, hooks())
    for (let i = 0; i < 3; i++) ports[i].say({ type: 'fatal', message: 'no wasm' })
    await expect(result).rejects.toMatchObject({ type: ErrorType.EXECUTION_ERROR, message: expect.stringContaining('no wasm') })
    expect(ports).toHaveLength(3)
    void pool.run(job, hooks()).catch(() => {})
    expect(ports).toHaveLength(4)
  })

  it('removes an aborted job from the queue without touching workers', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const controller = new AbortController()
    const result = pool.run(job, hooks({ signal: controller.signal }))
    controller.abort()
    await expect(result).rejects.toMatchObject({ name: 'AbortError' })
    expect(ports[0].terminated).toBe(false)
    expect(pool.stats().queued).toBe(0)
  })

  it('terminates the worker of an aborted running job', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const controller = new AbortController()
    const result = pool.run(job, hooks({ signal: controller.signal }))
    ports[0].say({ type: 'ready' })
    controller.abort()
    await expect(result).rejects.toMatchObject({ name: 'AbortError' })
    expect(ports[0].terminated).toBe(true)
    expect(ports).toHaveLength(2)
  })

  it('relays granted fetches and refuses them when not granted', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 1, memoryBytes: 1 })
    const granted = pool.run(job, hooks({ onFetch: async () => '{"status":200}' }))
    ports[0].say({ type: 'ready' })
    const id = lastRunId(ports[0])
    const reply = ports[0].nextSent('fetch-result')
    ports[0].say({ type: 'fetch', id, call: 1, request: { url: 'https://a.example/', method: 'GET', headers: {}, body: null } })
    expect(await reply).toEqual({ type: 'fetch-result', id, call: 1, response: '{"status":200}' })
    ports[0].say({ type: 'done', id, ok: true, output: 'null' })
    await granted
    const refused = pool.run(job, hooks())
    const id2 = lastRunId(ports[0])
    expect(id2).not.toBe(id)
    const refusal = ports[0].nextSent('fetch-result')
    ports[0].say({ type: 'fetch', id: id2, call: 1, request: { url: 'https://a.example/', method: 'GET', headers: {}, body: null } })
    expect(await refusal).toMatchObject({ type: 'fetch-result', error: { name: 'PermissionDeniedError' } })
    ports[0].say({ type: 'done', id: id2, ok: true, output: 'null' })
    await refused
  })

  it('stops: terminates every worker and rejects waiting jobs', async () => {
    const { spawn, ports } = fakeSpawner()
    const pool = workerPool({ spawn, size: 2, memoryBytes: 1 })
    const result = pool.run(job, hooks())
    pool.stop()
    await expect(result).rejects.toMatchObject({ name: 'AbortError' })
    expect(ports.every(p => p.terminated)).toBe(true)
  })
})
