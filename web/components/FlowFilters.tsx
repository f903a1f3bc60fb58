/** Search flows by text, tag, category, owner and visibility. */
import { For } from 'solid-js'
import type { JSX } from 'solid-js'
import type { FlowDefinition } from '../../shared/flow.js'
import { VISIBILITIES } from '../../shared/flow.js'

export interface FlowFilter { text: string, tag: string, category: string, owner: string, visibility: string }
export const NO_FILTER: FlowFilter = { text: '', tag: '', category: '', owner: '', visibility: '' }

export function matches (flow: FlowDefinition, f: FlowFilter): boolean {
  const text = f.text.trim().toLowerCase()
  return (text === '' || `${flow.name} ${flow.id} ${flow.description ?? ''}`.toLowerCase().includes(text)) &&
    (f.tag === '' || flow.metadata.tags.includes(f.tag)) &&
    (f.category === '' || flow.metadata.category === f.category) &&
    (f.owner === '' || flow.owner === f.owner) &&
    (f.visibility === '' || flow.metadata.visibility === f.visibility)
}

const unique = (values: string[]): string[] => [...new Set(values)].filter(v => v !== '').sort()

export function FlowFilters (props: { flows: FlowDefinition[], value: FlowFilter, onChange: (f: FlowFilter) => void }): JSX.Element {
  const set = (key: keyof FlowFilter, v: string): void => props.onChange({ ...props.value, [key]: v })
  const select = (key: keyof FlowFilter, label: string, options: string[]): JSX.Element => (
    <label>{label} <select value={props.value[key]} onChange={e => set(key, e.currentTarget.value)} data-filter={key}>
      <option value="">any</option>
      <For each={options}>{o => <option value={o}>{o.length > 24 ? o.slice(0, 10) + '…' + o.slice(-8) : o}</option>}</For>
    </select></label>
  )
  return (
    <div class="filters" role="search">
      <input type="search" placeholder="Search flows" aria-label="Search flows" value={props.value.text} onInput={e => set('text', e.currentTarget.value)} />
      {select('tag', 'Tag', unique(props.flows.flatMap(f => f.metadata.tags)))}
      {select('category', 'Category', unique(props.flows.map(f => f.metadata.category)))}
      {select('owner', 'Owner', unique(props.flows.map(f => f.owner)))}
      {select('visibility', 'Visibility', [...VISIBILITIES])}
    </div>
  )
}
