/** The flow's own fields: name, description, tags, category, visibility. */
import type { JSX } from 'solid-js'
import { VISIBILITIES } from '../../shared/flow.js'
import type { FlowDraft } from '../kernel/draft-ops.js'
import { For } from 'solid-js'

export function FlowSettings (props: { doc: FlowDraft, onChange: (doc: FlowDraft, field: string) => void }): JSX.Element {
  const meta = (): Record<string, any> => (props.doc.metadata ?? {}) as Record<string, any>
  const set = (key: string, value: unknown): void => props.onChange({ ...props.doc, [key]: value }, key)
  const setMeta = (key: string, value: unknown): void => props.onChange({ ...props.doc, metadata: { ...meta(), [key]: value } }, `metadata.${key}`)
  return (
    <form class="flow-settings" onSubmit={e => e.preventDefault()} aria-label="Flow settings">
      <div class="field"><label for="flow-name">Name</label>
        <input id="flow-name" value={String(props.doc.name ?? '')} onInput={e => set('name', e.currentTarget.value)} /></div>
      <div class="field"><label for="flow-description">Description</label>
        <textarea id="flow-description" rows="2" value={String(props.doc.description ?? '')} onInput={e => set('description', e.currentTarget.value)} /></div>
      <div class="field"><label for="flow-tags">Tags (comma separated)</label>
        <input id="flow-tags" value={Array.isArray(meta().tags) ? meta().tags.join(', ') : ''}
          onChange={e => setMeta('tags', e.currentTarget.value.split(',').map(t => t.trim()).filter(Boolean))} /></div>
      <div class="field"><label for="flow-category">Category</label>
        <input id="flow-category" value={String(meta().category ?? '')} onInput={e => setMeta('category', e.currentTarget.value)} /></div>
      <div class="field"><label for="flow-visibility">Visibility</label>
        <select id="flow-visibility" value={String(meta().visibility ?? '')} onChange={e => setMeta('visibility', e.currentTarget.value)}>
          <For each={[...VISIBILITIES]}>{v => <option value={v}>{v}</option>}</For>
        </select></div>
    </form>
  )
}
