/**
 * `qflow dao create | policy | members`: new policy versions signed by the local identity.
 * A version becomes current once the admin quorum of the version it replaces has signed it
 * (its own admins for a genesis); until then it is pending and the other admins add their
 * signatures with `qflow dao policy <subnet> --sign <cid>`.
 */
import { parse as parseYaml } from 'yaml'
import type { DaoPolicy, SignedDaoPolicy } from '../../../shared/trust.js'
import type { SignResult } from '../../../src/trust/store/index.js'
import { CliError, EXIT, readText } from '../io.js'
import type { Output } from '../io.js'
import { printJson } from '../trust-session.js'
import type { TrustSession } from '../trust-session.js'

export function positiveInt (value: string | undefined, flag: string): number | undefined {
  if (value == null) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, not '${value}'`)
  return n
}

const majority = (n: number): number => Math.floor(n / 2) + 1
const sorted = (ids: Iterable<string>): string[] => [...new Set(ids)].sort()

/** Prints what signing did; returns nothing (exit 0 either way: a signature was added). */
export async function reportSigned (s: TrustSession, io: Output, r: SignResult, json: boolean): Promise<void> {
  const audit = r.unchanged === true ? undefined : await s.record(r.cid)
  if (json) { printJson(io, { ...r, ...(audit != null ? { audit } : {}) }); return }
  const counted = `${r.signers.length} of ${r.needed} admin signature(s)`
  if (r.unchanged === true) io.out(`policy v${r.version} of ${r.subnet} (${r.cid}) is already current: nothing changed`)
  else if (r.published) io.out(`policy v${r.version} of ${r.subnet} is current: ${r.cid} (${counted})`)
  else {
    io.out(`signed policy v${r.version} of ${r.subnet} as ${s.label(s.me.id)}: ${counted}, pending`)
    io.out(`it becomes current when another admin runs: qflow dao policy ${r.subnet} --sign ${r.cid}`)
  }
}

export interface CreateOptions { admins?: string[], members?: string[], quorum?: string, adminQuorum?: string, actions?: string[], json?: boolean }

export async function createSubnet (s: TrustSession, io: Output, subnet: string, options: CreateOptions): Promise<void> {
  const dao = s.store.dao
  const current = dao.registry.policy(subnet)
  if (current != null) throw new CliError(`subnet ${subnet} exists (version ${current.signed.policy.version}): change it with qflow dao policy ${subnet} --set <file>`, EXIT.failed)
  const waiting = await dao.pending(subnet)
  if (waiting.length > 0) throw new CliError(`subnet ${subnet} is already collecting admin signatures (${waiting[0].cid}): sign it with qflow dao policy ${subnet} --sign ${waiting[0].cid}`, EXIT.failed)
  const admins = sorted((options.admins ?? [s.me.id]).map(s.resolveId))
  if (!admins.includes(s.me.id)) throw new CliError(`you (${s.label(s.me.id)}) are not among --admins: a subnet is created by one of its admins`)
  const members = sorted([...admins, ...(options.members ?? []).map(s.resolveId)])
  const policy: DaoPolicy = {
    subnet, version: 1, members, admins,
    adminQuorum: positiveInt(options.adminQuorum, '--admin-quorum') ?? majority(admins.length),
    allowedActions: options.actions ?? ['qflow.action.*'], allowedHosts: {}, resourceCaps: {}, codeWhitelist: [],
    approvalQuorum: positiveInt(options.quorum, '--quorum') ?? majority(members.length),
    issuedAt: Date.now()
  }
  await reportSigned(s, io, await dao.sign(policy, s.me), options.json === true)
}

/** A policy file: `{ policy, signatures }` (as `--json` prints it) or the fields to change. */
async function readPolicyFile (path: string, s: TrustSession, subnet: string): Promise<SignedDaoPolicy | DaoPolicy> {
  let doc: any
  try { doc = parseYaml(await readText(path, 'policy file')) } catch (err: any) {
    if (err?.name === 'CliError') throw err
    throw new CliError(`${path}: not YAML or JSON (${String(err?.message)})`)
  }
  if (doc == null || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${path}: a policy file holds an object: the policy fields, or { policy, signatures }`)
  if (doc.policy != null) {
    if (doc.policy.subnet !== subnet) throw new CliError(`${path} is a policy of ${String(doc.policy.subnet)}, not of ${subnet}`, EXIT.failed)
    return { policy: doc.policy, signatures: doc.signatures ?? [] }
  }
  const current = s.store.dao.registry.policy(subnet)
  if (current == null) throw new CliError(`no DAO subnet ${subnet} here: create it with qflow dao create ${subnet}`, EXIT.failed)
  const { subnet: _s, version: _v, prev: _p, issuedAt: _i, ...fields } = doc
  const p = current.signed.policy
  return { ...p, ...fields, subnet, version: p.version + 1, prev: current.cid, issuedAt: Date.now() }
}

export async function setPolicy (s: TrustSession, io: Output, subnet: string, options: { set?: string, sign?: string, json?: boolean }): Promise<void> {
  if (options.set != null && options.sign != null) throw new CliError('use either --set <file> or --sign <cid>, not both')
  if (options.set != null) { await reportSigned(s, io, await s.store.dao.sign(await readPolicyFile(options.set, s, subnet), s.me), options.json === true); return }
  const pending = (await s.store.dao.pending(subnet)).find(p => p.cid === options.sign)
  if (pending == null) {
    if (s.store.dao.registry.policy(subnet)?.cid === options.sign) throw new CliError(`${String(options.sign)} is already the current policy of ${subnet}`, EXIT.failed)
    throw new CliError(`no policy ${String(options.sign)} of ${subnet} is waiting for signatures: see qflow dao policy ${subnet}`, EXIT.failed)
  }
  await reportSigned(s, io, await s.store.dao.sign(pending.signed, s.me), options.json === true)
}

export async function showPolicy (s: TrustSession, io: Output, subnet: string, json: boolean): Promise<void> {
  const current = s.store.dao.registry.policy(subnet)
  const pending = await s.store.dao.pending(subnet)
  if (current == null && pending.length === 0) throw new CliError(`no DAO subnet ${subnet} here: create it with qflow dao create ${subnet}`, EXIT.failed)
  const waiting = pending.map(p => ({ cid: p.cid, version: p.version, signers: p.signers, needed: p.needed }))
  if (json) {
    printJson(io, { subnet, ...(current != null ? { cid: current.cid, ...current.signed, history: s.store.dao.registry.history(subnet) } : {}), pending: waiting })
    return
  }
  if (current != null) {
    const p = current.signed.policy
    io.out(`${subnet} policy v${p.version}: ${current.cid}`)
    io.out(`  admins:        ${p.admins.map(s.label).join(', ')} (${p.adminQuorum} sign a change)`)
    io.out(`  members:       ${p.members.length} (${p.approvalQuorum} votes approve code)`)
    io.out(`  actions:       ${p.allowedActions.join(', ') || '(none)'}`)
    io.out(`  hosts:         ${Object.entries(p.allowedHosts).map(([a, h]) => `${a}: ${h.join(' ')}`).join('; ') || '(none)'}`)
    io.out(`  whitelist:     ${p.codeWhitelist.join(', ') || '(none)'}`)
    io.out(`  signed by:     ${current.signed.signatures.map(x => s.label(x.signer)).join(', ')}`)
  }
  for (const p of waiting) io.out(`pending v${p.version}: ${p.cid}: ${p.signers.length} of ${p.needed} admin signature(s); sign with qflow dao policy ${subnet} --sign ${p.cid}`)
}

export async function changeMembers (s: TrustSession, io: Output, subnet: string, options: { add?: string[], remove?: string[], json?: boolean }): Promise<void> {
  const current = s.store.dao.registry.policy(subnet)
  if (current == null) throw new CliError(`no DAO subnet ${subnet} here: create it with qflow dao create ${subnet}`, EXIT.failed)
  const p = current.signed.policy
  if (options.add == null && options.remove == null) {
    if (options.json === true) printJson(io, { subnet, members: p.members, admins: p.admins, approvalQuorum: p.approvalQuorum })
    else for (const m of p.members) io.out(`${s.label(m)}${p.admins.includes(m) ? '  (admin)' : ''}`)
    return
  }
  const remove = (options.remove ?? []).map(s.resolveId)
  for (const r of remove) {
    if (!p.members.includes(r)) throw new CliError(`${s.label(r)} is not a member of ${subnet}`, EXIT.failed)
    if (p.admins.includes(r)) throw new CliError(`${s.label(r)} is an admin of ${subnet}: remove it from admins first (qflow dao policy ${subnet} --set <file> with the new admins)`, EXIT.failed)
  }
  const members = sorted([...p.members, ...(options.add ?? []).map(s.resolveId)]).filter(m => !remove.includes(m))
  if (members.join() === [...p.members].sort().join()) throw new CliError(`nothing to change: the members of ${subnet} are already those`, EXIT.failed)
  if (members.length < p.approvalQuorum) {
    throw new CliError(`${subnet} would keep ${members.length} member(s) while ${p.approvalQuorum} votes approve code: lower the quorum first (qflow dao policy ${subnet} --set <file> with approvalQuorum: ${members.length})`, EXIT.failed)
  }
  const next: DaoPolicy = { ...p, members, version: p.version + 1, prev: current.cid, issuedAt: Date.now() }
  await reportSigned(s, io, await s.store.dao.sign(next, s.me), options.json === true)
}
