import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openFs, tempDir } from './helpers.js'

const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))

/** Runs the writer until it has acknowledged `acks` appends, then SIGKILLs it. */
async function runAndKill (dir: string, acks: number): Promise<Map<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, '40'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const acked = new Map<string, number>()
  let seen = 0
  let buffer = ''
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', code => { reject(new Error(`writer exited early (${code})`)) })
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        const [, id, n] = line.split(' ')
        acked.set(id, Math.max(acked.get(id) ?? 0, Number(n)))
        seen++
      }
      if (seen >= acks) {
        child.removeAllListeners('exit')
        child.on('exit', () => { resolve() })
        child.kill('SIGKILL')
      }
    })
  })
  return acked
}

describe('crash safety (SIGKILL mid-write)', () => {
  it('keeps every acknowledged append, whole and in order, across several kills', async () => {
    const tmp = await tempDir()
    try {
      const floor = new Map<string, number>()
      for (const acks of [150, 700, 1500]) {
        const acked = await runAndKill(tmp.dir, acks)
        for (const [id, n] of acked) floor.set(id, Math.max(floor.get(id) ?? 0, n))
        const node = await openFs(tmp.dir)
        for (const [id, n] of floor) {
          const events = await node.store.readEvents(id)
          expect(events.length).toBeGreaterThanOrEqual(n)
          expect(events.map((e: any) => e.output.n)).toEqual(events.map((_, i) => i))
          floor.set(id, events.length)
        }
        const active = new Set((await node.store.listExecutions({ active: true })).map(s => s.executionId))
        for (const s of await node.store.listExecutions()) expect(active.has(s.executionId)).toBe(s.status === 'running')
        await node.close()
      }
    } finally {
      await tmp.remove()
    }
  }, 120_000)
})
