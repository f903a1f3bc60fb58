/**
 * `qflow identity create | show | export | import | node`: sQuid identities in the Node keystore
 * (`--keystore <dir>`, default `$QFLOW_KEYSTORE`, else `<data dir>/identities`). Private keys
 * are encrypted under a passphrase read from an environment variable (`$QFLOW_PASSPHRASE`
 * unless `--passphrase-env` names another) or a file, never from the command line, where
 * other users could read it in the process list. Failures are `CliError`s (exit 1; 2 for usage).
 * `node` shows the identity of a data directory's node (`<data>/trust/node/node.json`, read
 * from the key file's public part: no passphrase needed).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { fsKeystore } from '../../platform/keystore-fs.js'
import { didKeyFromPublicKey, fromBase64url, parseKeyFile, peerIdFromPublicKey } from '../../../src/trust/index.js'
import type { IdentityInfo, Keystore } from '../../../src/trust/index.js'
import { CliError, EXIT, readText } from '../io.js'

interface Io { out(line: string): void, err(line: string): void }

interface KeystoreOptions {
  keystore?: string
  passphraseEnv?: string
  passphraseFile?: string
  iterations?: string
  json?: boolean
}

export function defaultKeystoreDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.QFLOW_KEYSTORE != null && env.QFLOW_KEYSTORE !== '') return resolve(env.QFLOW_KEYSTORE)
  return join(resolve(env.QFLOW_DATA != null && env.QFLOW_DATA !== '' ? env.QFLOW_DATA : '.qflow'), 'identities')
}

/** A passphrase from `--passphrase-file`, else from `$<env>` (default `$QFLOW_PASSPHRASE`). */
export async function passphrase (options: { env?: string, file?: string }, what: string): Promise<string> {
  if (options.file != null) return (await readText(options.file, `${what} file`)).replace(/\r?\n$/, '')
  const name = options.env ?? 'QFLOW_PASSPHRASE'
  const value = process.env[name]
  if (value == null || value === '') throw new CliError(`no ${what}: set $${name} (or give --passphrase-file <file>)`)
  return value
}

function iterations (options: KeystoreOptions): number | undefined {
  if (options.iterations == null) return undefined
  const n = Number(options.iterations)
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--iterations must be a positive integer, not '${options.iterations}'`)
  return n
}

async function open (options: KeystoreOptions): Promise<Keystore> {
  const n = iterations(options)
  return await fsKeystore({
    dir: options.keystore ?? defaultKeystoreDir(),
    passphrase: await passphrase({ env: options.passphraseEnv, file: options.passphraseFile }, 'keystore passphrase'),
    ...(n != null ? { iterations: n } : {})
  })
}

/** Maps trust errors to one-line CLI errors. */
async function run (fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (err: any) {
    if (err?.name === 'CliError') throw err
    if (['WrongPassphraseError', 'IdentityNotFoundError', 'IdentityExistsError', 'MalformedError', 'KeyNotExtractableError'].includes(err?.name)) {
      throw new CliError(String(err.message), EXIT.failed)
    }
    if (err instanceof TypeError && /identity name/.test(err.message)) throw new CliError(err.message)
    throw err
  }
}

function describe (info: Pick<IdentityInfo, 'name' | 'id' | 'peerId'> & { createdAt?: number }): string[] {
  return [`${info.name}`, `  id:      ${info.id}`, `  peer id: ${info.peerId}`, ...(info.createdAt != null ? [`  created: ${new Date(info.createdAt).toISOString()}`] : [])]
}

export function identityCommands (program: Command, io: Io): void {
  const identity = program.command('identity').description('sQuid identities (Ed25519 keys) in the local keystore')
  const common = (cmd: Command): Command => cmd
    .option('--keystore <dir>', 'keystore directory (default $QFLOW_KEYSTORE, else <data dir>/identities)')
    .option('--passphrase-env <var>', 'environment variable holding the keystore passphrase (default QFLOW_PASSPHRASE)')
    .option('--passphrase-file <file>', 'read the keystore passphrase from this file')
    .option('--iterations <n>', 'PBKDF2 iterations for new key files (default 600000)')
    .option('--json', 'print JSON')

  common(identity.command('create <name>').description('create an identity; prints its did:key and libp2p peer id'))
    .action(async (name: string, options: KeystoreOptions) => {
      await run(async () => {
        const created = await (await open(options)).create({ name })
        if (options.json === true) io.out(JSON.stringify({ name, id: created.id, peerId: created.peerId }))
        else describe({ name, id: created.id, peerId: created.peerId }).forEach((line, i) => { io.out(i === 0 ? `created ${line}` : line) })
      })
    })

  common(identity.command('show [name]').description('show one identity (by name or id), or list them all'))
    .action(async (ref: string | undefined, options: KeystoreOptions) => {
      await run(async () => {
        const keystore = await open(options)
        const all = await keystore.list()
        const shown = ref == null ? all : all.filter(i => i.name === ref || i.id === ref)
        if (ref != null && shown.length === 0) throw new CliError(`no identity '${ref}' in the keystore`, EXIT.failed)
        if (options.json === true) io.out(JSON.stringify(ref == null ? shown : shown[0], null, 2))
        else if (shown.length === 0) io.out('no identities yet: qflow identity create <name>')
        else for (const info of shown) for (const line of describe(info)) io.out(line)
      })
    })

  common(identity.command('export <name>').description('write an identity as a passphrase-encrypted key file'))
    .requiredOption('--out <file>', 'where to write the key file (mode 0600; never overwritten)')
    .option('--export-passphrase-env <var>', 'environment variable holding the key file passphrase (default: the keystore passphrase)')
    .action(async (ref: string, options: KeystoreOptions & { out: string, exportPassphraseEnv?: string }) => {
      await run(async () => {
        const keystore = await open(options)
        const filePassphrase = options.exportPassphraseEnv != null ? await passphrase({ env: options.exportPassphraseEnv }, 'export passphrase') : await passphrase({ env: options.passphraseEnv, file: options.passphraseFile }, 'keystore passphrase')
        const n = iterations(options)
        const file = await keystore.export(ref, filePassphrase, n != null ? { iterations: n } : {})
        try {
          await writeFile(options.out, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
        } catch (err: any) {
          if (err?.code === 'EEXIST') throw new CliError(`${options.out} exists: choose another --out`, EXIT.failed)
          throw err
        }
        io.out(options.json === true ? JSON.stringify({ id: file.id, out: options.out }) : `exported ${ref} (${file.id}) to ${options.out}`)
      })
    })

  common(identity.command('import <file>').description('add the identity of a key file to the keystore'))
    .option('--name <name>', 'name in this keystore (default: the name in the file)')
    .option('--file-passphrase-env <var>', 'environment variable holding the key file passphrase (default: the keystore passphrase)')
    .action(async (path: string, options: KeystoreOptions & { name?: string, filePassphraseEnv?: string }) => {
      await run(async () => {
        let parsed: unknown
        try { parsed = JSON.parse(await readFile(path, 'utf8')) } catch (err: any) {
          throw new CliError(err?.code === 'ENOENT' ? `cannot read key file '${path}': no such file` : `${path}: not a JSON key file`, err?.code === 'ENOENT' ? EXIT.usage : EXIT.failed)
        }
        const keystore = await open(options)
        const filePassphrase = options.filePassphraseEnv != null ? await passphrase({ env: options.filePassphraseEnv }, 'key file passphrase') : await passphrase({ env: options.passphraseEnv, file: options.passphraseFile }, 'keystore passphrase')
        const imported = await keystore.import(parsed, filePassphrase, options.name != null ? { name: options.name } : {})
        if (options.json === true) io.out(JSON.stringify({ name: imported.name, id: imported.id, peerId: imported.peerId }))
        else describe({ name: imported.name ?? '', id: imported.id, peerId: imported.peerId }).forEach((line, i) => { io.out(i === 0 ? `imported ${line}` : line) })
      })
    })

  identity.command('node').description('show the node identity of a data directory (its did:key and libp2p peer id)')
    .option('--data <dir>', 'data directory (default $QFLOW_DATA, else ./.qflow)')
    .option('--json', 'print JSON')
    .action(async (options: { data?: string, json?: boolean }) => {
      await run(async () => {
        const dataDir = resolve(options.data ?? (process.env.QFLOW_DATA != null && process.env.QFLOW_DATA !== '' ? process.env.QFLOW_DATA : '.qflow'))
        const path = join(dataDir, 'trust', 'node', 'node.json')
        let text: string
        try { text = await readFile(path, 'utf8') } catch (err: any) {
          if (err?.code !== 'ENOENT') throw err
          throw new CliError(`${dataDir} has no node identity yet: a node creates it the first time it runs there (qflow run <flow> --data ${dataDir})`, EXIT.failed)
        }
        let publicKey: Uint8Array
        try { publicKey = fromBase64url(parseKeyFile(JSON.parse(text)).publicKey) } catch (err: any) {
          throw new CliError(`${path} is not a node key file: ${String(err?.message ?? err)}`, EXIT.failed)
        }
        const info = { name: 'node', id: didKeyFromPublicKey(publicKey), peerId: peerIdFromPublicKey(publicKey), dataDir }
        if (options.json === true) io.out(JSON.stringify(info, null, 2))
        else for (const line of [...describe(info), `  data:    ${dataDir}`]) io.out(line)
      })
    })
}
