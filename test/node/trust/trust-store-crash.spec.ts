/**
 * The audit log survives `kill -9` of the process appending to it: after a restart it verifies
 * from its stored head, holds at least every acknowledged entry (a crash loses only appends that
 * had not resolved), and the next process continues the same chain. Several kill points.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openNodeTrustStore } from '../../../node/platform/trust-store.js'

const writer = fileURLToPath(new URL('./trust-store-writer.ts', import.meta.url))

/** Runs the writer until it acknowledged at least `atLeast` entries, kills it, resolves with the last acknowledged length. */
async function killAfter (dataDir: string, atLeast: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  try {
    return await new Promise<number>((resolve, reject) => {
      let buffer = ''
      let acknowledged = 0
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString()
        const lines = buffer.split('\n')
        buffer = lines.pop() ?? ''
        for (const line of lines) {
          acknowledged = Number(line.split(' ')[1])
          if (acknowledged >= atLeast && child.exitCode == null) {
            child.kill('SIGKILL')
            resolve(acknowledged)
          }
        }
      })
      child.once('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`the writer exited (${String(code)}) before it was killed: ${stderr}`)) })
    })
  } finally {
    if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
    await exited
  }
}

describe('audit log across kill -9', () => {
  it('keeps every acknowledged entry and one verifiable chain, kill after kill', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qflow-audit-crash-'))
    let acknowledged = 0
    for (const more of [60, 240, 35]) {
      acknowledged = await killAfter(dataDir, acknowledged + more)
      const store = await openNodeTrustStore({ dataDir }) // the dead writer's LOCK is taken over
      try {
        const verified = await store.verifyAudit()
        expect(verified).toMatchObject({ ok: true })
        expect(verified.ok && verified.length).toBeGreaterThanOrEqual(acknowledged)
        acknowledged = verified.ok ? verified.length : acknowledged
      } finally {
        await store.close()
      }
    }
    rmSync(dataDir, { recursive: true, force: true })
  }, 120_000)
})
