/** One generated form field (text, number, enum, boolean, JSON, step reference, or a group). */
import { For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { PathError } from '../../shared/errors.js'
import { display, parseInput } from '../kernel/schema-fields.js'
import type { Field } from '../kernel/schema-fields.js'

export interface SchemaFieldProps {
  field: Field
  value: (path: string[]) => unknown
  onChange: (path: string[], value: unknown) => void
  /** Errors whose path ends at (or inside) this field. */
  errorsAt: (path: string[]) => PathError[]
  stepIds: string[]
}

export function SchemaField (props: SchemaFieldProps): JSX.Element {
  const f = (): Field => props.field
  const id = (): string => `field-${f().path.join('-')}`
  const v = (): unknown => props.value(f().path)
  const errors = (): PathError[] => props.errorsAt(f().path)
  const set = (text: string): void => props.onChange(f().path, parseInput(f(), text))
  return (
    <Show when={f().kind !== 'group'} fallback={
      <details class="group" data-field={f().path.join('.')} open={v() !== undefined || errors().length > 0}>
        <summary>{f().label}{f().required ? ' *' : ''}</summary>
        <For each={f().children}>{child => <SchemaField {...props} field={child} />}</For>
      </details>
    }>
      <div class={`field ${errors().length > 0 ? 'has-error' : ''}`} data-field={f().path.join('.')}>
        <label for={id()}>{f().label}{f().required ? ' *' : ''}</label>
        {f().kind === 'enum'
          ? <select id={id()} value={display(f(), v())} onChange={e => set(e.currentTarget.value)}>
              <option value="">{f().required ? '(choose)' : '(none)'}</option>
              <For each={f().options}>{o => <option value={o}>{o}</option>}</For>
            </select>
          : f().kind === 'boolean'
            ? <input id={id()} type="checkbox" checked={v() === true} onChange={e => props.onChange(f().path, e.currentTarget.checked)} />
            : f().kind === 'json'
              ? <textarea id={id()} rows="2" value={display(f(), v())} onInput={e => set(e.currentTarget.value)} />
              : <input id={id()} type="text" inputmode={f().kind === 'number' ? 'decimal' : undefined} list={f().kind === 'step-ref' ? 'step-ids' : undefined}
                  value={display(f(), v())} onInput={e => set(e.currentTarget.value)} aria-invalid={errors().length > 0} />}
        <Show when={f().description}><small class="hint">{f().description}</small></Show>
        <For each={errors()}>{e => <p class="field-error" role="alert" data-path={e.path}>{e.path}: {e.message}</p>}</For>
      </div>
    </Show>
  )
}
