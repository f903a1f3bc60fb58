/**
 * The readable reference (`GET /api/v1/docs`): one self-contained HTML page generated from the
 * OpenAPI document (inline CSS, no script, no CDN: relays often have no network). Every
 * operation with its parameters, request body schema (as JSON) and responses.
 */
type Json = Record<string, any>

const METHODS = ['get', 'post', 'put', 'patch', 'delete']

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)
}

/** Inline code spans (`x`) of the document's markdown, the only markup it uses. */
function prose (text: string | undefined): string {
  if (text == null) return ''
  return text.split(/\n\n+/).map(p => `<p>${escapeHtml(p).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`).join('')
}

function resolve (doc: Json, value: Json | undefined): Json | undefined {
  if (value?.$ref == null) return value
  const parts = String(value.$ref).replace(/^#\//, '').split('/')
  return parts.reduce<Json | undefined>((node, key) => node?.[key], doc)
}

function schemaBlock (doc: Json, schema: Json | undefined): string {
  if (schema == null) return ''
  const name = schema.$ref != null ? String(schema.$ref).split('/').pop() : undefined
  if (name != null) return `<p>Schema: <a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a></p>`
  return `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`
}

function operation (doc: Json, path: string, method: string, op: Json): string {
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-')
  const params = (op.parameters ?? []) as Json[]
  const rows = params.map(p => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required === true ? 'yes' : 'no'}</td><td>${prose(p.description)}</td></tr>`).join('')
  const body = op.requestBody as Json | undefined
  const bodyHtml = body == null
    ? ''
    : `<h4>Body${body.required === true ? '' : ' (optional)'}</h4>` + Object.entries(body.content ?? {}).map(([type, media]) =>
      `<p><code>${escapeHtml(type)}</code></p>${schemaBlock(doc, (media as Json).schema)}`).join('')
  const responses = Object.entries(op.responses ?? {}).map(([code, r]) => {
    const res = resolve(doc, r as Json) ?? {}
    return `<tr><td><code>${escapeHtml(code)}</code></td><td>${prose(res.description)}</td></tr>`
  }).join('')
  return `<section class="op" id="${id}">
<h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
${prose(op.summary)}${prose(op.description)}
${rows !== '' ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th></th></tr>${rows}</table>` : ''}
${bodyHtml}
<h4>Responses</h4><table>${responses}</table>
</section>`
}

export function docsPage (doc: Json): string {
  const ops: string[] = []
  const toc: string[] = []
  for (const [path, item] of Object.entries(doc.paths ?? {}) as Array<[string, Json]>) {
    for (const method of METHODS) {
      if (item[method] == null) continue
      ops.push(operation(doc, path, method, item[method]))
      toc.push(`<li><a href="#${`${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-')}"><span class="m ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`)
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) =>
    `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></section>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(doc.info?.title ?? 'API'))}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1d2330}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f6fa;padding:1em;box-sizing:border-box;font-size:13px}
nav ul{list-style:none;padding:0}nav a{color:inherit;text-decoration:none}
main{padding:1em 2em;max-width:960px;overflow:hidden}
.op{border-top:1px solid #dde2ea;padding:.5em 0}
.m{display:inline-block;min-width:4em;font:bold 12px monospace;padding:2px 4px;border-radius:3px;color:#fff;text-align:center}
.get{background:#2f7d4f}.post{background:#2b5fad}.put{background:#a66a12}.patch{background:#7a4fa8}.delete{background:#b33a3a}
pre{background:#f4f6fa;padding:.75em;overflow:auto;font-size:12px;max-height:24em}
table{border-collapse:collapse}td,th{border:1px solid #dde2ea;padding:2px 8px;text-align:left;vertical-align:top}td p{margin:0}
</style></head>
<body><nav><strong>${escapeHtml(String(doc.info?.title ?? 'API'))}</strong><ul>${toc.join('')}</ul><a href="#schemas">Schemas</a></nav>
<main><h1>${escapeHtml(String(doc.info?.title ?? 'API'))} <small>v${escapeHtml(String(doc.info?.version ?? ''))}</small></h1>
${prose(doc.info?.description)}
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${escapeHtml(String(doc.openapi))})</p>
<h2>Operations</h2>
${ops.join('\n')}
<h2 id="schemas">Schemas</h2>
${schemas}
</main></body></html>
`
}
