/**
 * `qflow audit verify`: walks the data directory's audit log (`<data>/trust`) back from its
 * head and reports the first (earliest) broken or forged link: exit 0 when every entry holds,
 * 1 otherwise.
 */
import type { Command } from 'commander'
import { CliError, EXIT } from '../io.js'
import type { Output } from '../io.js'
import { printJson, trustOptions, withTrust } from '../trust-session.js'
import type { TrustCliOptions } from '../trust-session.js'

const REMEDY: Record<string, string> = {
  missing: 'restore the block from a backup or a peer; entries from there on cannot be trusted',
  tampered: 'restore the block from a backup or a peer; entries from there on cannot be trusted',
  malformed: 'the log was rewritten: entries from there on cannot be trusted',
  forged: 'the log was rewritten: entries from there on cannot be trusted',
  unlinked: 'the log was rewritten or truncated: entries from there on cannot be trusted',
  untrusted: 'if that signer is one of your identities, add it to --signer'
}

export function auditCommands (program: Command, io: Output): void {
  const audit = program.command('audit').description('the hash-linked, signed audit log')
  trustOptions(audit.command('verify').description('check every entry of the audit log: exit 0 when intact, 1 at the first broken or forged link'), false)
    .option('--signer <ids...>', 'trust only these signers (dids or keystore names; default: any valid signature)')
    .action(async (o: TrustCliOptions & { signer?: string[] }) => {
      await withTrust(o, { signs: false }, async s => {
        const signers = o.signer?.map(s.resolveId)
        const result = await s.store.verifyAudit(signers != null ? { signers } : {})
        if (o.json === true) printJson(io, result)
        if (result.ok) {
          if (o.json !== true) io.out(result.length === 0 ? 'the audit log is empty: nothing to verify' : `audit log intact: ${result.length} entries, head ${String(result.head)}`)
          return
        }
        const b = result.broken
        const where = `entry ${b.seq ?? '?'} (${b.cid})`
        if (o.json === true) throw new CliError(`audit log broken at ${where}: ${b.reason}`, EXIT.failed)
        io.out(`audit log BROKEN at ${where}: ${b.reason}`)
        io.out(`  ${b.message}`)
        io.out(`  ${result.checked} entr${result.checked === 1 ? 'y' : 'ies'} read back from head ${String(result.head)}`)
        throw new CliError(`audit log broken at ${where} (${b.reason}): ${REMEDY[b.reason]}`, EXIT.failed)
      })
    })
}
