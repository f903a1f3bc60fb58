/**
 * `qflow dao-subnets` and `qflow dao create | policy | propose | vote | members`: DAO
 * governance on the data directory's trust store (`<data>/trust`), acting as a local identity
 * (`--as`, `$QFLOW_IDENTITY`, or the keystore's only one). Every DAO operation, accepted or
 * refused, is appended to the audit log (`qflow audit verify`). Exit 0 ok, 1 refused, 2 usage.
 *
 * `qflow dao-subnets [subnet]` asks the relay (`--api`, `--token`; see `remote-dao.ts`), like
 * the other remote commands; with `--data <dir>` it reads that data directory's trust store
 * offline instead (pending genesis policies included; the relay must not be running on it).
 */
import type { Command } from 'commander'
import { CID } from 'multiformats/cid'
import { cidOfValue, signVote } from '../../../src/trust/index.js'
import { signProposal } from '../../../src/trust/store/index.js'
import { CliError, EXIT } from '../io.js'
import type { Output } from '../io.js'
import { apiOptions } from '../remote.js'
import { printJson, trustOptions, withTrust } from '../trust-session.js'
import type { TrustCliOptions, TrustSession } from '../trust-session.js'
import { changeMembers, createSubnet, setPolicy, showPolicy } from './dao-policy.js'
import { remoteDaoSubnetsCommand } from './remote-dao.js'
import type { CreateOptions } from './dao-policy.js'

function codeCid (text: string): string {
  try { return CID.parse(text).toString() } catch {
    throw new CliError(`'${text}' is not a CID: give the CID of the module or code (bafy…)`)
  }
}

function currentOf (s: TrustSession, subnet: string): { cid: string, members: number, quorum: number } {
  const current = s.store.dao.registry.policy(subnet)
  if (current == null) throw new CliError(`no DAO subnet ${subnet} here: create it with qflow dao create ${subnet} (see qflow dao-subnets)`, EXIT.failed)
  return { cid: current.cid, members: current.signed.policy.members.length, quorum: current.signed.policy.approvalQuorum }
}

async function listSubnets (s: TrustSession, io: Output, json: boolean): Promise<void> {
  const { registry } = s.store.dao
  const pending = (await s.store.dao.pending()).filter(p => registry.policy(p.subnet) == null)
  const rows = [
    ...registry.subnets().map(subnet => {
      const { cid, signed: { policy: p } } = registry.policy(subnet) as NonNullable<ReturnType<typeof registry.policy>>
      return { subnet, status: 'current', version: p.version, cid, members: p.members.length, admins: p.admins.length, adminQuorum: p.adminQuorum, approvalQuorum: p.approvalQuorum }
    }),
    ...pending.map(p => ({ subnet: p.subnet, status: 'pending', version: p.version, cid: p.cid, signers: p.signers.length, needed: p.needed }))
  ]
  if (json) { printJson(io, rows); return }
  if (rows.length === 0) { io.out('no DAO subnets yet: qflow dao create <subnet> --admins <did...>'); return }
  for (const r of rows) {
    io.out('members' in r
      ? `${r.subnet}  v${r.version}  ${r.members} member(s), ${r.admins} admin(s) (${r.adminQuorum} sign a change), ${r.approvalQuorum} vote(s) approve code  ${r.cid}`
      : `${r.subnet}  pending genesis: ${r.signers} of ${r.needed} admin signature(s)  ${r.cid}`)
  }
}

async function propose (s: TrustSession, io: Output, text: string, subnet: string, json: boolean): Promise<void> {
  const cid = codeCid(text)
  const policy = currentOf(s, subnet)
  const mine = await signProposal(s.me, { subnet, cid, policy: policy.cid })
  const stored = await s.store.dao.propose(mine)
  const fresh = stored.envelope.signature === mine.envelope.signature
  const audit = fresh ? await s.record(cidOfValue(stored)) : undefined
  const approval = s.store.dao.registry.approval(subnet, cid)
  if (json) { printJson(io, { subnet, cid, proposer: stored.envelope.actor, proposedAt: stored.envelope.timestamp, new: fresh, votes: [...approval.votes].sort(), needed: approval.needed, approved: approval.approved, ...(audit != null ? { audit } : {}) }); return }
  io.out(fresh ? `proposed ${cid} in ${subnet} as ${s.label(s.me.id)}` : `${cid} was already proposed in ${subnet} by ${s.label(stored.envelope.actor)}`)
  io.out(`members vote with: qflow dao vote ${cid} --subnet ${subnet} (${approval.votes.length} of ${policy.quorum} vote(s) so far)`)
}

async function vote (s: TrustSession, io: Output, text: string, subnet: string, json: boolean): Promise<void> {
  const cid = codeCid(text)
  const policy = currentOf(s, subnet)
  const signed = await signVote(s.me, { subnet, cid, policy: policy.cid })
  const approval = await s.store.dao.vote(signed)
  const audit = await s.record(cidOfValue(signed))
  if (json) { printJson(io, { subnet, ...approval, votes: [...approval.votes].sort(), audit }); return }
  const count = `${approval.votes.length} of ${approval.needed} vote(s)`
  io.out(approval.approved
    ? `voted for ${cid} in ${subnet}: ${count}: approved, it may run in dao-approved mode`
    : `voted for ${cid} in ${subnet}: ${count}: not approved yet (quorum ${approval.needed} not reached)`)
}

export function daoCommands (program: Command, io: Output): void {
  type Opts = TrustCliOptions & { subnet: string }
  apiOptions(program.command('dao-subnets [subnet]').description('the DAO subnets you may see on the relay (or one in full); with --data, those of a local data directory'))
    .option('--data <dir>', 'read this local data directory\'s trust store offline instead of asking the relay (pending policies included)')
    .option('--keystore <dir>', 'with --data: keystore directory for names (default $QFLOW_KEYSTORE, else <data dir>/identities)')
    .action(async (subnet: string | undefined, o: TrustCliOptions & { api?: string, token?: string }) => {
      if (o.data == null) { await remoteDaoSubnetsCommand(subnet, o, io); return }
      if (subnet != null) throw new CliError(`with --data, qflow dao-subnets lists every subnet; show one with qflow dao policy ${subnet} --data ${o.data}`)
      await withTrust(o, { signs: false }, async s => { await listSubnets(s, io, o.json === true) })
    })

  const dao = program.command('dao').description('DAO governance: subnets, signed policies, code approval by vote')
  trustOptions(dao.command('create <subnet>').description('create a subnet (its genesis policy, signed by you; pending until its admin quorum signed)'), true)
    .option('--admins <ids...>', 'admins: dids or keystore names (default: you; you must be one)')
    .option('--members <ids...>', 'further members (admins are members)')
    .option('--quorum <k>', 'votes of members that approve code (default: a majority)')
    .option('--admin-quorum <m>', 'admin signatures a policy change needs (default: a majority of the admins)')
    .option('--actions <patterns...>', "actions the subnet's flows may call (default qflow.action.*)")
    .action(async (subnet: string, o: TrustCliOptions & CreateOptions) => {
      await withTrust(o, { signs: true, check: 'dao:create', subnet }, async s => { await createSubnet(s, io, subnet, o) })
    })

  const policy = dao.command('policy <subnet>').description('show the current policy; or sign a new version (--set) or a pending one (--sign)')
    .option('--set <file>', 'propose and sign a new version: a YAML/JSON file of the fields to change, or { policy, signatures }')
    .option('--sign <cid>', 'add your signature to a pending version')
  trustOptions(policy, true).action(async (subnet: string, o: TrustCliOptions & { set?: string, sign?: string }) => {
    const signs = o.set != null || o.sign != null
    await withTrust(o, { signs, check: 'dao:policy', subnet }, async s => {
      if (signs) await setPolicy(s, io, subnet, o)
      else await showPolicy(s, io, subnet, o.json === true)
    })
  })

  trustOptions(dao.command('propose <cid>').description('put a code CID up for a vote (members only)'), true)
    .requiredOption('--subnet <subnet>', 'the DAO subnet')
    .action(async (cid: string, o: Opts) => { await withTrust(o, { signs: true, check: 'dao:propose', subnet: o.subnet }, async s => { await propose(s, io, cid, o.subnet, o.json === true) }) })

  trustOptions(dao.command('vote <cid>').description('vote to approve a proposed code CID (members only)'), true)
    .requiredOption('--subnet <subnet>', 'the DAO subnet')
    .action(async (cid: string, o: Opts) => { await withTrust(o, { signs: true, check: 'dao:vote', subnet: o.subnet }, async s => { await vote(s, io, cid, o.subnet, o.json === true) }) })

  const members = dao.command('members <subnet>').description('list members; or sign a new version that adds or removes some')
    .option('--add <ids...>', 'dids or keystore names to add')
    .option('--remove <ids...>', 'dids or keystore names to remove')
  trustOptions(members, true).action(async (subnet: string, o: TrustCliOptions & { add?: string[], remove?: string[] }) => {
    await withTrust(o, { signs: o.add != null || o.remove != null, check: 'dao:members', subnet }, async s => { await changeMembers(s, io, subnet, o) })
  })
}
