/**
 * What `qflow dao …`, `qflow audit …` and `qflow start --sign-as` share: the data directory's trust store, the local
 * identity that acts (from the keystore, as `qflow identity` finds it), the audit record of
 * each DAO operation (refusals included), and one-line errors that say what to do.
 */
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { isDidKey, randomNonce } from '../../src/trust/index.js'
import type { IdentityInfo, Keystore, SquidIdentity } from '../../src/trust/index.js'
import { fsKeystore } from '../platform/keystore-fs.js'
import { openNodeTrustStore } from '../platform/trust-store.js'
import type { NodeTrustStore } from '../platform/trust-store.js'
import { defaultDataDir } from '../runtime.js'
import { defaultKeystoreDir, passphrase as readPassphrase } from './commands/identity.js'
import { CliError, EXIT } from './io.js'

export interface TrustCliOptions {
  data?: string
  keystore?: string
  passphraseEnv?: string
  passphraseFile?: string
  as?: string
  json?: boolean
}

export interface TrustSession {
  store: NodeTrustStore
  /** The acting identity (only for commands that sign). */
  me: SquidIdentity
  /** `name (did)` for identities of the local keystore, else the did. */
  label(did: string): string
  /** A did, or the did of a keystore identity's name. */
  resolveId(ref: string): string
  /** Appends the operation to the audit log; resolves with the entry's CID. */
  record(operationId: string, valid?: boolean, errorType?: string): Promise<string>
}

export function trustOptions (cmd: Command, signs: boolean): Command {
  cmd.option('--data <dir>', 'data directory (default $QFLOW_DATA, else ./.qflow)')
    .option('--keystore <dir>', 'keystore directory (default $QFLOW_KEYSTORE, else <data dir>/identities)')
  if (signs) {
    cmd.option('--as <identity>', 'the local identity that acts, by name or did (default $QFLOW_IDENTITY, else the only one)')
      .option('--passphrase-env <var>', 'environment variable holding the keystore passphrase (default QFLOW_PASSPHRASE)')
      .option('--passphrase-file <file>', 'read the keystore passphrase from this file')
  }
  return cmd.option('--json', 'print JSON')
}

async function passphrase (options: TrustCliOptions): Promise<string> {
  return await readPassphrase({ env: options.passphraseEnv, file: options.passphraseFile }, 'keystore passphrase')
}

async function actingIdentity (keystore: Keystore, infos: IdentityInfo[], options: TrustCliOptions): Promise<SquidIdentity> {
  const ref = options.as ?? (process.env.QFLOW_IDENTITY !== '' ? process.env.QFLOW_IDENTITY : undefined)
  if (ref == null) {
    if (infos.length === 0) throw new CliError('no identity in the keystore: create one with qflow identity create <name> (or give --keystore <dir>)')
    if (infos.length > 1) throw new CliError(`${infos.length} identities in the keystore (${infos.map(i => i.name).join(', ')}): choose one with --as <name> or $QFLOW_IDENTITY`)
  }
  return await keystore.load(ref ?? infos[0].name)
}

const HINTS: Record<string, string> = {
  DataDirLockedError: '',
  WrongPassphraseError: ': check $QFLOW_PASSPHRASE or --passphrase-file',
  IdentityNotFoundError: ': list them with qflow identity show'
}

/** Opens the store (and the identity when `signs`), runs `fn`, closes; trust errors become `CliError`s. */
export async function withTrust (options: TrustCliOptions, what: { signs: boolean, check?: string, subnet?: string }, fn: (s: TrustSession) => Promise<void>): Promise<void> {
  const dataDir = resolve(options.data ?? defaultDataDir())
  const keystoreDir = options.keystore ?? (process.env.QFLOW_KEYSTORE != null && process.env.QFLOW_KEYSTORE !== '' ? resolve(process.env.QFLOW_KEYSTORE) : join(dataDir, 'identities'))
  let store: NodeTrustStore | undefined
  let session: TrustSession | undefined
  try {
    const keystore = await fsKeystore({ dir: keystoreDir, passphrase: what.signs ? await passphrase(options) : '' })
    const infos = await keystore.list()
    const me = what.signs ? await actingIdentity(keystore, infos, options) : undefined
    store = await openNodeTrustStore({ dataDir })
    const opened = store
    const names = new Map(infos.map(i => [i.id, i.name]))
    session = {
      store: opened,
      me: me as SquidIdentity,
      label: (did) => names.has(did) ? `${names.get(did) as string} (${did})` : did,
      resolveId (ref) {
        if (isDidKey(ref)) return ref
        const found = infos.find(i => i.name === ref)
        if (found == null) throw new CliError(`'${ref}' is neither a did:key nor an identity in the keystore`)
        return found.id
      },
      async record (operationId, valid = true, errorType) {
        if (me == null || what.check == null) return ''
        const log = await opened.audit(me)
        return await log.append({ operationId, check: what.check, actor: me.id, type: 'external-event', target: `dao:${what.subnet ?? ''}`, valid, layer: 'qindex', ...(errorType != null ? { errorType: errorType as any } : {}) })
      }
    }
    await fn(session)
  } catch (err: any) {
    if (err?.name === 'DaoPolicyError' && session != null) {
      // a refused DAO operation is audited too, then reported; a failing audit must not hide the refusal
      const unaudited = await session.record(`op-${randomNonce()}`, false, err.type).then(() => '', (e: Error) => ` (the refusal could not be audited: ${e.message})`)
      throw new CliError(`${String(err.message)}${unaudited}`, EXIT.failed)
    }
    if (err?.name === 'CliError') throw err
    if (err?.name === 'DataDirLockedError') throw new CliError(String(err.message), EXIT.usage)
    if (['DaoPolicyError', 'TrustStoreError', 'MalformedError', 'InvalidSignatureError', 'WrongPassphraseError', 'IdentityNotFoundError'].includes(err?.name)) {
      throw new CliError(`${String(err.message)}${HINTS[err.name] ?? ''}`, EXIT.failed)
    }
    throw err
  } finally {
    await store?.close()
  }
}

export function printJson (io: { out(line: string): void }, value: unknown): void {
  io.out(JSON.stringify(value, null, 2))
}

export interface SignerOptions {
  /** Name or did of the identity in the keystore. */
  signAs: string
  keystore?: string
  passphraseEnv?: string
  passphraseFile?: string
}

/**
 * The local identity that signs an operation client-side (`qflow start --sign-as`): from the
 * keystore (`--keystore`, else `$QFLOW_KEYSTORE`, else `<data dir>/identities`), unlocked with
 * the keystore passphrase; with its `name (did)` label. Keystore failures become `CliError`s.
 */
export async function loadSigner (options: SignerOptions): Promise<{ identity: SquidIdentity, label: string }> {
  const dir = options.keystore != null ? resolve(options.keystore) : defaultKeystoreDir()
  try {
    const keystore = await fsKeystore({ dir, passphrase: await passphrase(options) })
    const identity = await keystore.load(options.signAs)
    const name = (await keystore.list()).find(i => i.id === identity.id)?.name
    return { identity, label: name != null ? `${name} (${identity.id})` : identity.id }
  } catch (err: any) {
    if (err?.name === 'CliError') throw err
    if (err?.name === 'IdentityNotFoundError') throw new CliError(`--sign-as: ${String(err.message)} at ${dir}: list them with qflow identity show (or give --keystore <dir>)`, EXIT.failed)
    if (['WrongPassphraseError', 'MalformedError', 'KeyNotExtractableError'].includes(err?.name)) throw new CliError(`--sign-as ${options.signAs}: ${String(err.message)}${HINTS[err.name] ?? ''}`, EXIT.failed)
    throw err
  }
}
