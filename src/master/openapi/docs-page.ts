/**
 * `/api/v1/docs`: a self-contained page (no CDN, works offline) that reads `/api/v1/dm.json`
 * and lists every operation with its parameters, request body and responses, and the
 * schemas they reference. DM serves swagger-ui from a CDN here; a page that needs no
 * network suits air-gapped DM installs better.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DM OpenAPI</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 24px}header a{color:#9cc3ff}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:6px 0}
summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:center}
.m{font-weight:700;width:64px;text-align:center;border-radius:4px;color:#fff;padding:2px 0;font-size:12px}
.get{background:#2f7de1}.post{background:#2e9e5b}.put{background:#c98a12}.delete{background:#c43d3d}.patch{background:#7a4fc9}
.body{padding:4px 16px 12px}code,pre{font:12px ui-monospace,monospace}pre{background:#f0f2f5;padding:8px;overflow:auto;border-radius:4px}
h2{margin-top:28px;text-transform:capitalize}table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left}
</style></head><body>
<header><b>DM OpenAPI</b> · <span id="ver"></span> · <a href="./dm.json">dm.json</a> · <a href="/dashboard/">dashboard</a></header>
<main id="root">loading…</main>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'})[c]);
const refName = (s) => s && s.$ref ? s.$ref.split('/').pop() : null;
const schemaText = (s) => refName(s) ? '<a href="#schema-' + refName(s) + '">' + refName(s) + '</a>' : '<code>' + esc(JSON.stringify(s)) + '</code>';
fetch('./dm.json').then((r) => r.json()).then((spec) => {
  document.getElementById('ver').textContent = spec.info.title + ' ' + spec.info.version;
  const byTag = {};
  for (const [path, item] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags || ['other'])[0];
    (byTag[tag] = byTag[tag] || []).push({ path, method, op });
  }
  let html = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    html += '<h2>' + esc(tag) + '</h2>';
    for (const { path, method, op } of ops) {
      html += '<details id="op-' + esc(op.operationId) + '"><summary><span class="m ' + method + '">' + method.toUpperCase() +
        '</span><code>' + esc(path) + '</code><span>' + esc(op.summary || '') + '</span></summary><div class="body">' +
        '<div>operationId: <code>' + esc(op.operationId) + '</code></div>';
      if (op.parameters && op.parameters.length) {
        html += '<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>';
        for (const p of op.parameters) html += '<tr><td><code>' + esc(p.name) + '</code></td><td>' + p.in + '</td><td>' + (p.required ? 'yes' : '') + '</td><td>' + schemaText(p.schema) + '</td></tr>';
        html += '</table>';
      }
      const body = op.requestBody && op.requestBody.content['application/json'];
      if (body) html += '<p>request body' + (op.requestBody.required ? ' (required)' : '') + ': ' + schemaText(body.schema) + '</p>';
      html += '<p>responses: ' + Object.entries(op.responses).map(([c, r]) => '<b>' + c + '</b> ' +
        (r.content ? schemaText(Object.values(r.content)[0].schema) : esc(r.description || ''))).join(' · ') + '</p></div></details>';
    }
  }
  html += '<h2>schemas</h2>';
  for (const [name, s] of Object.entries(spec.components.schemas)) {
    html += '<details id="schema-' + esc(name) + '"><summary><code>' + esc(name) + '</code><span>' + esc(s.description || '') + '</span></summary><div class="body"><pre>' + esc(JSON.stringify(s, null, 2)) + '</pre></div></details>';
  }
  document.getElementById('root').innerHTML = html;
  if (location.hash) { const el = document.querySelector(location.hash); if (el) { el.open = true; el.scrollIntoView(); } }
}).catch((e) => { document.getElementById('root').textContent = 'cannot load dm.json: ' + e; });
</script></body></html>`;

export function docsHtml(): string {
  return PAGE;
}
