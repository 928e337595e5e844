/**
 * The dashboard's HTML and CSS (the behaviour is `app.ts`, loaded as a module). Sections are
 * filled by the script; ids and `data-*` attributes are what the browser test reads.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DM dashboard</title>
<link rel="icon" href="data:,">
<style>
  :root { --bg:#f6f7f9; --card:#fff; --line:#e2e5ea; --text:#1d2330; --muted:#6b7385; --ok:#1a7f37;
    --warn:#b76e00; --bad:#c62828; --accent:#2f6fde; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; padding:12px 20px; background:#1d2330; color:#fff; }
  header h1 { font-size:17px; margin:0; font-weight:600; }
  header .meta { color:#aab3c5; font-size:12px; margin-left:auto; }
  main { display:grid; grid-template-columns: 1fr 1fr; gap:16px; padding:16px 20px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:14px; margin:0 0 8px; display:flex; align-items:center; gap:8px; }
  h2 .grow { flex:1; }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:5px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { font-weight:600; color:var(--muted); font-size:12px; }
  .pill { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; background:#eef1f5; }
  .Running, .bound, .alive, .leader { background:#dcf3e3; color:var(--ok); }
  .Paused, .free { background:#fff1d6; color:var(--warn); }
  .Stopped, .offline, .down { background:#fde2e1; color:var(--bad); }
  .Finished { background:#dde8fb; color:var(--accent); }
  .bar { position:relative; height:14px; background:#eef1f5; border-radius:7px; min-width:120px; overflow:hidden; }
  .bar > span { position:absolute; inset:0 auto 0 0; background:var(--accent); }
  .bar > em { position:relative; font-style:normal; font-size:11px; padding-left:6px; }
  .err { color:var(--bad); white-space:pre-wrap; font-size:12px; margin-top:4px; }
  .workaround { color:var(--text); background:#fff8e5; border-left:3px solid var(--warn); padding:2px 6px; margin-top:2px; }
  button { font:inherit; font-size:12px; padding:2px 9px; border:1px solid var(--line); border-radius:5px;
    background:#fff; cursor:pointer; }
  button:hover { border-color:var(--accent); color:var(--accent); }
  button.primary { background:var(--accent); color:#fff; border-color:var(--accent); }
  form { display:grid; gap:6px; }
  form .row { display:flex; gap:6px; flex-wrap:wrap; }
  input, textarea { font:inherit; font-size:12px; padding:4px 6px; border:1px solid var(--line); border-radius:5px; }
  textarea { width:100%; min-height:120px; font-family:ui-monospace, monospace; }
  details summary { cursor:pointer; color:var(--accent); font-size:12px; }
  #toast { position:fixed; right:16px; bottom:16px; max-width:520px; padding:8px 12px; border-radius:6px;
    background:#1d2330; color:#fff; font-size:12px; display:none; white-space:pre-wrap; }
  #toast.show { display:block; }
  .muted { color:var(--muted); }
  .num { font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<header><h1>DM dashboard</h1><span id="leader" class="meta"></span><span id="updated" class="meta"></span></header>
<main>
  <section id="members"><h2>Cluster members</h2><div id="members-body" class="muted">loading…</div></section>
  <section id="sources"><h2><span class="grow">Sources</span></h2><div id="sources-body" class="muted">loading…</div>
    <details><summary>Create a source</summary>
      <form id="source-form">
        <div class="row"><input name="source_name" placeholder="source name" required>
          <input name="host" placeholder="host" value="127.0.0.1" required>
          <input name="port" placeholder="port" value="3306" size="6" required>
          <input name="user" placeholder="user" value="root">
          <input name="password" placeholder="password" type="password"></div>
        <div class="row"><label><input type="checkbox" name="enable_gtid"> enable GTID</label>
          <button class="primary" type="submit">Create source</button></div>
      </form>
    </details>
  </section>
  <section id="tasks" class="wide"><h2><span class="grow">Tasks</span></h2><div id="tasks-body" class="muted">loading…</div>
    <details><summary>Create a task (DM's OpenAPI Task JSON)</summary>
      <form id="task-form">
        <textarea name="task" spellcheck="false"></textarea>
        <div class="row"><button type="submit" class="primary" value="create">Create task</button>
          <button type="submit" value="create-start">Create and start</button></div>
      </form>
    </details>
  </section>
</main>
<div id="toast" role="status"></div>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
