/**
 * One process per data directory: the durable store keeps a journal that two writers would
 * corrupt. A `LOCK` file holds the owner's pid; a lock left by a dead process is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

export class DataDirLockedError extends Error {
  constructor (readonly dataDir: string, readonly pid: number) {
    super(`the data directory ${dataDir} is in use by process ${pid}; stop it or use another --data directory`)
    this.name = 'DataDirLockedError'
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err?.code === 'EPERM'
  }
}

/** Takes the lock; resolves with its release function. */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, 'LOCK')
  for (let tries = 0; tries < 3; tries++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      return async () => { await rm(path, { force: true }) }
    } catch (err: any) {
      if (err?.code !== 'EEXIST') throw err
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid))) throw new DataDirLockedError(dataDir, pid)
      await rm(path, { force: true }) // stale: its process is gone
    }
  }
  throw new Error(`could not lock the data directory ${dataDir}`)
}
