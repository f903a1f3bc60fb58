/** `#/builder/<flowId>`: loads the unsaved draft, else the saved flow, else starts a new one. */
import { createResource, Match, Switch } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { draftKey } from '../bridge/draft-store.js'
import { newDraft } from '../kernel/draft-ops.js'
import type { FlowDraft } from '../kernel/draft-ops.js'
import { ErrorBox, Loading } from '../ui/states.js'
import { Builder } from './Builder.js'

export function BuilderRoute (props: { flowId: string }): JSX.Element {
  const q = useQflow()
  const [loaded] = createResource(() => props.flowId, async (id): Promise<{ doc: FlowDraft, restored: boolean }> => {
    const kept = localStorage.getItem(draftKey(id))
    if (kept != null) {
      try { return { doc: JSON.parse(kept), restored: true } } catch { /* a damaged draft falls back to the saved flow */ }
    }
    const saved = await q.flows.get(id)
    if (saved != null) return { doc: structuredClone(saved) as FlowDraft, restored: false }
    return { doc: newDraft({ id, owner: q.node.identity.id, now: new Date().toISOString() }), restored: false }
  })
  return (
    <Switch>
      <Match when={loaded.error}><ErrorBox error={loaded.error} title="Could not open the flow" /></Match>
      <Match when={loaded()} keyed>{l => <Builder initial={l.doc} restored={l.restored} />}</Match>
      <Match when={loaded.loading}><Loading what="the flow" /></Match>
    </Switch>
  )
}
