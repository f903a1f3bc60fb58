/** `#/dao`: subnets, their policies, versions awaiting signatures, code awaiting approval, voting. */
import { createSignal, For, Match, Show, Switch } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { createDaoStore } from '../bridge/dao-store.js'
import type { SubnetView } from '../bridge/dao-store.js'
import { Empty, ErrorBox, Loading } from '../ui/states.js'

function Subnet (props: { view: SubnetView, onPropose: (cid: string) => Promise<void>, onVote: (cid: string) => Promise<void> }): JSX.Element {
  const [cid, setCid] = createSignal('')
  const p = (): any => props.view.current?.signed.policy
  return (
    <article class="card" data-subnet={props.view.subnet}>
      <h3>{props.view.subnet} <small class="muted">v{p()?.version} · {props.view.versions.length} version(s){props.view.member ? ' · you are a member' : ''}</small></h3>
      <dl>
        <dt>Members</dt><dd>{p()?.members.length} (admins {p()?.admins.length}, admin quorum {p()?.adminQuorum})</dd>
        <dt>Allowed actions</dt><dd>{p()?.allowedActions.join(', ') || '—'}</dd>
        <dt>Code approval</dt><dd>{p()?.approvalQuorum} vote(s); whitelist {p()?.codeWhitelist.length}</dd>
      </dl>
      <Show when={props.view.pending.length > 0}><p>{props.view.pending.length} policy version(s) awaiting admin signatures.</p></Show>
      <h4>Code awaiting approval</h4>
      <Show when={props.view.proposals.length > 0} fallback={<p class="muted">No proposals.</p>}>
        <ul><For each={props.view.proposals}>{({ proposal, approval }) => (
          <li><code>{proposal.payload.cid.slice(0, 16)}…</code> {approval.votes.length}/{approval.needed} {approval.approved ? '✓ approved' : ''}
            <Show when={!approval.approved && props.view.member}> <button type="button" onClick={() => { void props.onVote(proposal.payload.cid) }}>Vote to approve</button></Show></li>
        )}</For></ul>
      </Show>
      <Show when={props.view.member}>
        <form onSubmit={e => { e.preventDefault(); void props.onPropose(cid().trim()).then(() => setCid('')) }}>
          <input placeholder="code CID (bafy…)" aria-label="Code CID to propose" value={cid()} onInput={e => setCid(e.currentTarget.value)} />
          <button type="submit" disabled={cid().trim() === ''}>Propose</button>
        </form>
      </Show>
    </article>
  )
}

export function DaoRoute (): JSX.Element {
  const q = useQflow()
  const dao = createDaoStore(q.node)
  const [name, setName] = createSignal('')
  const [error, setError] = createSignal<unknown>()
  const guard = async (work: Promise<void>): Promise<void> => { setError(undefined); try { await work } catch (err) { setError(err) } }
  return (
    <section data-testid="dao-view">
      <h2>DAO</h2>
      <Show when={error()}><ErrorBox error={error()} title="Refused" /></Show>
      <form class="toolbar" onSubmit={e => { e.preventDefault(); void guard(dao.create(name().trim())).then(() => setName('')) }}>
        <input placeholder="new subnet name (dao.example)" aria-label="New subnet name" value={name()} onInput={e => setName(e.currentTarget.value)} />
        <button type="submit" disabled={name().trim() === ''}>Create subnet (you as admin)</button>
      </form>
      <Switch>
        <Match when={dao.subnets.error}><ErrorBox error={dao.subnets.error} title="Could not read the DAO state" /></Match>
        <Match when={dao.subnets() == null}><Loading what="subnets" /></Match>
        <Match when={dao.subnets()!.length === 0}><Empty>This node knows no DAO subnet yet.</Empty></Match>
        <Match when={dao.subnets()}>{list => (
          <For each={list()}>{v => <Subnet view={v} onPropose={cid => guard(dao.propose(v.subnet, cid))} onVote={cid => guard(dao.vote(v.subnet, cid))} />}</For>
        )}</Match>
      </Switch>
    </section>
  )
}
