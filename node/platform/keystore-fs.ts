/**
 * The Node keystore: one passphrase-encrypted key file per identity, `<dir>/<name>.json`,
 * mode 0600 in a 0700 directory. A file appears whole or not at all (written to a temporary
 * name, then hard-linked into place, which also refuses to overwrite).
 */
import { chmod, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileKeystore } from '../../src/trust/index.js'
import type { FileKeystoreInit, KeyFileBacking, Keystore } from '../../src/trust/index.js'

export interface FsKeystoreInit extends FileKeystoreInit {
  /** The directory (created 0700 when missing). */
  dir: string
}

export async function fsKeystore (init: FsKeystoreInit): Promise<Keystore> {
  const { dir, ...options } = init
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  return fileKeystore(fsKeyFiles(dir), options)
}

export function fsKeyFiles (dir: string): KeyFileBacking {
  const path = (name: string): string => join(dir, `${name}.json`)
  return {
    async read (name) {
      try {
        return await readFile(path(name), 'utf8')
      } catch (err: any) {
        if (err?.code === 'ENOENT') return undefined
        throw err
      }
    },
    async create (name, text) {
      const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`)
      await writeFile(tmp, text, { mode: 0o600, flag: 'wx' })
      try {
        await link(tmp, path(name))
        return true
      } catch (err: any) {
        if (err?.code === 'EEXIST') return false
        throw err
      } finally {
        await rm(tmp, { force: true })
      }
    },
    async list () {
      const names = await readdir(dir)
      return names.filter(n => n.endsWith('.json') && !n.startsWith('.')).map(n => n.slice(0, -'.json'.length))
    },
    async remove (name) {
      try {
        await rm(path(name))
        return true
      } catch (err: any) {
        if (err?.code === 'ENOENT') return false
        throw err
      }
    }
  }
}
