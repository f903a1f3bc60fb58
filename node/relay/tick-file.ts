/**
 * The scheduler's last handled tick per flow, in `<dataDir>/schedule-ticks.json`. Every `set`
 * is on disk (written to a temporary file, fsynced, renamed over the old one) before it
 * resolves, so the scheduler can record a tick before it starts the tick's run.
 */
import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { TickStore } from '../../src/triggers/index.js'

export const TICKS_FILE = 'schedule-ticks.json'

export async function fileTickStore (dataDir: string): Promise<TickStore> {
  const file = join(dataDir, TICKS_FILE)
  let ticks: Record<string, number> = {}
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'))
    if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
    ticks = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'number')) as Record<string, number>
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw new Error(`${file} is damaged (${String(err?.message ?? err)}): fix or delete it (deleting it skips the ticks missed while the relay was down)`)
  }
  let writing: Promise<void> = Promise.resolve()
  const save = async (): Promise<void> => {
    const text = JSON.stringify(ticks)
    const run = async (): Promise<void> => {
      const tmp = `${file}.tmp`
      const handle = await open(tmp, 'w', 0o600)
      try {
        await handle.writeFile(text)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, file)
    }
    writing = writing.then(run, run)
    await writing
  }
  return {
    get: async (flowId) => ticks[flowId],
    set: async (flowId, tick) => { ticks = { ...ticks, [flowId]: tick }; await save() },
    delete: async (flowId) => {
      if (!(flowId in ticks)) return
      const { [flowId]: _, ...rest } = ticks
      ticks = rest
      await save()
    }
  }
}
