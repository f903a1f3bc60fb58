/**
 * `qflow dao-subnets [subnet]` against a relay (`GET /api/v1/dao/subnets[/:id]`): the DAO
 * subnets the token's identity may see (its own; the relay's owner sees all), as a table, or
 * one subnet in full. `--json` prints the API's JSON (the list, or the subnet).
 */
import type { DaoSubnetDetail, DaoSubnetSummary } from '../../api/routes/dao.js'
import { apiClient } from '../api-client.js'
import type { ApiOptions } from '../api-client.js'
import { EXIT } from '../io.js'
import type { Output } from '../io.js'
import { table } from './remote-flows.js'

export async function remoteDaoSubnetsCommand (subnet: string | undefined, options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  if (subnet != null) {
    const { subnet: s } = await client.request<{ subnet: DaoSubnetDetail }>('GET', `/api/v1/dao/subnets/${encodeURIComponent(subnet)}`)
    if (options.json === true) { io.out(JSON.stringify(s, null, 2)); return EXIT.ok }
    io.out(`${s.id}  v${s.version}  policy ${s.policyCid}`)
    io.out(`  admins (${s.adminQuorum} sign a change): ${s.admins.join(', ')}`)
    io.out(`  members: ${s.members.join(', ')}`)
    io.out(`  code approval: ${s.approvalQuorum} of ${s.members.length} member vote(s)`)
    io.out(`  allowed actions: ${s.allowedActions.join(', ') || '(none)'}`)
    io.out(`  approved code: ${s.approvedCode.join(', ') || '(none)'}`)
    for (const p of s.proposals.filter(p => !p.approved)) io.out(`  proposed: ${p.cid} (${p.votes.length} of ${p.needed} vote(s))`)
    io.out(`  versions: ${s.versions.join(' → ')}`)
    return EXIT.ok
  }
  const { subnets } = await client.request<{ subnets: DaoSubnetSummary[] }>('GET', '/api/v1/dao/subnets')
  if (options.json === true) { io.out(JSON.stringify(subnets, null, 2)); return EXIT.ok }
  if (subnets.length === 0) {
    io.out(`no DAO subnets visible at ${client.base} (you see the subnets you are a member of; create one with qflow dao create <subnet>)`)
    return EXIT.ok
  }
  table(['SUBNET', 'VERSION', 'MEMBERS', 'ADMINS', 'ADMIN QUORUM', 'CODE QUORUM', 'POLICY'], subnets.map(s => [
    s.id, `v${s.version}`, s.members.length, s.admins.length, s.adminQuorum, s.approvalQuorum, s.policyCid
  ]), io)
  return EXIT.ok
}
