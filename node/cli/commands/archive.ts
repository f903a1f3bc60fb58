import { createReadStream, createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { EXIT, CliError } from '../io.js'
import type { Output } from '../io.js'
import { durableOf, openRuntime } from '../data.js'
import type { DataOptions } from '../data.js'

/** `qflow export <id> --out file.car`: an execution (log and snapshots) or a flow with its history. */
export async function exportCommand (id: string, options: DataOptions & { out?: string }, io: Output): Promise<number> {
  if (options.out == null) throw new CliError('say where to write the CAR file: --out <file.car>')
  const runtime = await openRuntime(options)
  try {
    const { store } = durableOf(runtime)
    await pipeline(Readable.from(store.exportCar(id)), createWriteStream(options.out))
    io.out(`exported ${id} to ${options.out}`)
    return EXIT.ok
  } catch (err: any) {
    if (err?.name === 'NotFoundError' || /no (execution|flow)/i.test(String(err?.message))) throw new CliError(`nothing to export: ${String(err.message)}`, EXIT.failed)
    throw err
  } finally {
    await runtime.close()
  }
}

/** `qflow import <file.car>`: restores the blocks and pointers of an exported execution or flow. */
export async function importCommand (file: string, options: DataOptions, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    const { store } = durableOf(runtime)
    const result = await store.importCar(createReadStream(file))
    io.out(`imported ${result.of} ${result.id}: ${result.blocks} blocks${result.updated ? '' : ' (already up to date)'}`)
    return EXIT.ok
  } catch (err: any) {
    if (err?.code === 'ENOENT') throw new CliError(`cannot read CAR file '${file}': no such file`)
    if (typeof err?.name === 'string' && /Import|Integrity|Decryption|MissingBlock/.test(err.name)) throw new CliError(`${file}: ${String(err.message)}`, EXIT.failed)
    throw err
  } finally {
    await runtime.close()
  }
}

/** `qflow keys rotate [--owner <id>]`: a new current key; history re-encrypted under it. */
export async function keysRotateCommand (options: DataOptions & { owner?: string }, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    const { store, keyring } = durableOf(runtime)
    const owner = options.owner ?? 'local'
    const key = await keyring.rotate(owner)
    const result = await store.reencryptHistory({ owner })
    io.out(`rotated the key of ${owner} to ${typeof key === 'string' ? key : (key as { keyId?: string }).keyId ?? 'a new key'}; re-encrypted ${JSON.stringify(result)}`)
    return EXIT.ok
  } finally {
    await runtime.close()
  }
}
