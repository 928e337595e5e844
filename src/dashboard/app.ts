/// <reference lib="dom" />
/**
 * The dashboard's browser module (served as /dashboard/app.js). It polls DM's OpenAPI every
 * two seconds and re-renders members, sources and tasks; every action is one /api/v1 call:
 *
 * - task: create `POST /tasks`, start/resume `POST /tasks/{name}/start`, pause
 *   `POST /tasks/{name}/stop` (DM's OpenAPI "stop" keeps the task and its checkpoints; start
 *   continues from them), stop `DELETE /tasks/{name}?force=true` (what dmctl stop-task does);
 * - source: create `POST /sources`, enable/disable `POST /sources/{name}/enable|disable`.
 *
 * No framework: `h()` builds elements (text is never parsed as HTML).
 */

const POLL_MS = 2000;

interface ListOf<T> {
  total?: number;
  data?: T[];
}
interface Master {
  name: string;
  alive: boolean;
  leader: boolean;
  addr: string;
}
interface Worker {
  name: string;
  addr: string;
  bound_stage: string;
  bound_source_name: string;
}
interface RelayStatus {
  stage?: string;
  master_binlog?: string;
  relay_binlog_name?: string;
  relay_catch_up_master?: boolean;
}
interface SourceStatus {
  source_name: string;
  worker_name: string;
  relay_status?: RelayStatus;
  error_msg?: string;
}
interface Source {
  source_name: string;
  host: string;
  port: number;
  enable: boolean;
  enable_gtid: boolean;
  status_list?: SourceStatus[];
}
interface Progress {
  progress?: string;
  finished_bytes?: number;
  total_bytes?: number;
}
interface SubTask {
  name: string;
  source_name: string;
  worker_name: string;
  stage: string;
  unit: string;
  error_msg?: string;
  dump_status?: Progress | null;
  load_status?: Progress | null;
  sync_status?: { seconds_behind_master?: number; recent_tps?: number; synced?: boolean } | null;
}
interface Task {
  name: string;
  task_mode: string;
  status_list?: SubTask[];
}

type Child = Node | string | number | null | undefined | false;

/** An element with attributes (`data-*`, `class`, …) and children; strings become text nodes. */
function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

/** JSON call on the master; DM's errors (`error_msg`) become the thrown message. */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : {};
  if (!res.ok) throw new Error((json as { error_msg?: string }).error_msg ?? `${res.status} ${text}`);
  return json as T;
}

let toastTimer: number | undefined;
function toast(msg: string): void {
  const t = $('toast');
  t.textContent = msg;
  t.className = 'show';
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    t.className = '';
  }, 6000);
}

const pill = (text: string, cls = text): HTMLElement => h('span', { class: `pill ${cls}` }, text);

/** A progress bar from DM's "12.34 %" text. */
function bar(label: string, p: Progress): HTMLElement {
  const pct = Math.max(0, Math.min(100, Number.parseFloat(p.progress ?? '0') || 0));
  const span = h('span');
  span.style.width = `${pct}%`;
  return h(
    'div',
    { class: 'bar', 'data-progress': label, title: `${label} ${pct.toFixed(2)} %` },
    span,
    h('em', {}, `${label} ${pct.toFixed(1)} %`),
  );
}

/** DM's error text: `[code=…], Message: …, Workaround: …` per line; the workaround shown apart. */
function errorBlock(text: string | undefined): HTMLElement | null {
  if (!text) return null;
  const box = h('div', { class: 'err', 'data-error': '' });
  for (const line of text.split('\n')) {
    const [msg, workaround] = line.split(', Workaround: ');
    box.append(h('div', {}, msg ?? line));
    if (workaround) box.append(h('div', { class: 'workaround' }, `Workaround: ${workaround}`));
  }
  return box;
}

function renderMembers(masters: Master[], workers: Worker[]): void {
  const leader = masters.find((m) => m.leader);
  $('leader').textContent = leader ? `leader: ${leader.name} (${leader.addr})` : 'no leader';
  const rows = [
    ...masters.map((m) =>
      h(
        'tr',
        { 'data-member': m.name },
        h('td', {}, 'master'),
        h('td', {}, m.name),
        h('td', {}, m.addr),
        h('td', {}, m.leader ? pill('leader') : null, ' ', pill(m.alive ? 'alive' : 'down')),
        h('td'),
      ),
    ),
    ...workers.map((w) =>
      h(
        'tr',
        { 'data-member': w.name },
        h('td', {}, 'worker'),
        h('td', {}, w.name),
        h('td', {}, w.addr),
        h('td', {}, pill(w.bound_stage)),
        h('td', {}, w.bound_source_name),
      ),
    ),
  ];
  const head = h('tr', {}, ...['role', 'name', 'address', 'state', 'source'].map((t) => h('th', {}, t)));
  $('members-body').replaceChildren(h('table', {}, head, ...rows));
}

function renderSources(sources: Source[]): void {
  if (sources.length === 0) {
    $('sources-body').replaceChildren(h('p', { class: 'muted' }, 'no source yet'));
    return;
  }
  const head = h('tr', {}, ...['source', 'upstream', 'worker', 'relay', ''].map((t) => h('th', {}, t)));
  const rows = sources.map((s) => {
    const st = s.status_list?.[0];
    const relay = st?.relay_status;
    return h(
      'tr',
      { 'data-source': s.source_name },
      h(
        'td',
        {},
        s.source_name,
        ' ',
        s.enable ? null : pill('disabled', 'Stopped'),
        errorBlock(st?.error_msg),
      ),
      h('td', {}, `${s.host}:${s.port}`),
      h(
        'td',
        { 'data-worker': st?.worker_name ?? '' },
        st?.worker_name || h('span', { class: 'muted' }, 'none'),
      ),
      h('td', {}, relay?.stage ? pill(relay.stage) : h('span', { class: 'muted' }, 'off')),
      h(
        'td',
        {},
        s.enable
          ? h('button', { 'data-action': 'disable-source', 'data-name': s.source_name }, 'Disable')
          : h('button', { 'data-action': 'enable-source', 'data-name': s.source_name }, 'Enable'),
      ),
    );
  });
  $('sources-body').replaceChildren(h('table', {}, head, ...rows));
}

function taskActions(t: Task, subs: SubTask[]): HTMLElement {
  const running = subs.some((s) => s.stage === 'Running');
  const started = subs.some((s) => s.unit !== '');
  const btn = (action: string, label: string) =>
    h('button', { 'data-action': action, 'data-name': t.name }, label);
  return h(
    'td',
    { class: 'actions' },
    running ? btn('pause-task', 'Pause') : btn('start-task', started ? 'Resume' : 'Start'),
    ' ',
    btn('stop-task', 'Stop'),
  );
}

function renderTasks(tasks: Task[]): void {
  if (tasks.length === 0) {
    $('tasks-body').replaceChildren(h('p', { class: 'muted' }, 'no task yet'));
    return;
  }
  const head = h(
    'tr',
    {},
    ...['task', 'mode', 'source', 'worker', 'stage', 'unit', 'progress', 'lag', 'events/s', ''].map((t) =>
      h('th', {}, t),
    ),
  );
  const rows: HTMLElement[] = [];
  for (const t of tasks) {
    const subs = t.status_list ?? [];
    subs.forEach((s, i) => {
      const sync = s.sync_status;
      const progress = s.dump_status
        ? bar('dump', s.dump_status)
        : s.load_status
          ? bar('load', s.load_status)
          : sync
            ? h('span', { class: 'muted' }, sync.synced ? 'synced' : 'catching up')
            : null;
      rows.push(
        h(
          'tr',
          { 'data-task': t.name, 'data-source': s.source_name, 'data-stage': s.stage, 'data-unit': s.unit },
          h('td', {}, i === 0 ? t.name : '', errorBlock(s.error_msg)),
          h('td', {}, i === 0 ? t.task_mode : ''),
          h('td', {}, s.source_name),
          h('td', {}, s.worker_name),
          h('td', { class: 'stage' }, pill(s.stage)),
          h('td', { class: 'unit' }, s.unit),
          h('td', {}, progress),
          h('td', { class: 'num lag' }, sync ? `${sync.seconds_behind_master ?? 0} s` : ''),
          h('td', { class: 'num tps' }, sync ? String(sync.recent_tps ?? 0) : ''),
          i === 0 ? taskActions(t, subs) : h('td'),
        ),
      );
    });
  }
  $('tasks-body').replaceChildren(h('table', {}, head, ...rows));
}

let polling = false;
/** One refresh of every section; a failing call leaves the last good view in place. */
async function refresh(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    const [masters, workers, sources, tasks] = await Promise.all([
      api<ListOf<Master>>('GET', '/cluster/masters'),
      api<ListOf<Worker>>('GET', '/cluster/workers'),
      api<ListOf<Source>>('GET', '/sources?with_status=true'),
      api<ListOf<Task>>('GET', '/tasks?with_status=true'),
    ]);
    renderMembers(masters.data ?? [], workers.data ?? []);
    renderSources(sources.data ?? []);
    renderTasks(tasks.data ?? []);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $('updated').textContent = `update failed: ${(err as Error).message}`;
  } finally {
    polling = false;
  }
}

/** What each button does (data-action), by DM's OpenAPI. */
const ACTIONS: Record<string, (name: string) => Promise<unknown>> = {
  'start-task': (n) => api('POST', `/tasks/${encodeURIComponent(n)}/start`, {}),
  'pause-task': (n) => api('POST', `/tasks/${encodeURIComponent(n)}/stop`, {}),
  'stop-task': async (n) => {
    if (!window.confirm(`Stop task ${n}? It is removed (its checkpoints stay downstream).`)) return;
    return api('DELETE', `/tasks/${encodeURIComponent(n)}?force=true`);
  },
  'enable-source': (n) => api('POST', `/sources/${encodeURIComponent(n)}/enable`, {}),
  'disable-source': (n) => api('POST', `/sources/${encodeURIComponent(n)}/disable`, {}),
};

document.addEventListener('click', (ev) => {
  const b = (ev.target as HTMLElement).closest('button[data-action]');
  if (!b) return;
  const action = ACTIONS[b.getAttribute('data-action') ?? ''];
  if (!action) return;
  (b as HTMLButtonElement).disabled = true;
  action(b.getAttribute('data-name') ?? '')
    .then(refresh)
    .catch((err: Error) => toast(err.message))
    .finally(() => {
      (b as HTMLButtonElement).disabled = false;
    });
});

const TASK_TEMPLATE = {
  name: 'task-1',
  task_mode: 'all',
  meta_schema: 'dm_meta',
  enhance_online_schema_change: true,
  on_duplicate: 'replace',
  target_config: { host: '127.0.0.1', port: 4000, user: 'root', password: '' },
  table_migrate_rule: [
    { source: { source_name: 'mysql-01', schema: 'db', table: '*' }, target: { schema: 'db' } },
  ],
  source_config: { source_conf: [{ source_name: 'mysql-01' }] },
};

function wireForms(): void {
  const taskForm = $('task-form') as HTMLFormElement;
  const area = taskForm.elements.namedItem('task') as HTMLTextAreaElement;
  area.value = JSON.stringify(TASK_TEMPLATE, null, 2);
  taskForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const start = (ev.submitter as HTMLButtonElement | null)?.value === 'create-start';
    const run = async () => {
      const task = JSON.parse(area.value) as { name: string };
      await api('POST', '/tasks', { task });
      if (start) await api('POST', `/tasks/${encodeURIComponent(task.name)}/start`, {});
      toast(`task ${task.name} created${start ? ' and started' : ''}`);
      await refresh();
    };
    run().catch((err: Error) => toast(err.message));
  });
  const srcForm = $('source-form') as HTMLFormElement;
  srcForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(srcForm);
    const source = {
      source_name: String(f.get('source_name')),
      host: String(f.get('host')),
      port: Number(f.get('port')),
      user: String(f.get('user')),
      password: String(f.get('password')),
      enable_gtid: f.get('enable_gtid') === 'on',
      enable: true,
    };
    api('POST', '/sources', { source })
      .then(() => {
        toast(`source ${source.source_name} created`);
        return refresh();
      })
      .catch((err: Error) => toast(err.message));
  });
}

wireForms();
void refresh();
window.setInterval(() => void refresh(), POLL_MS);
