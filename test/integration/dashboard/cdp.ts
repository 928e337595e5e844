import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { stopChild, tempDir, trackChild } from '../../harness/index.js';

/** Debian's chromium (scripts/ensure-deps.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

type Json = Record<string, unknown>;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol through
 * `--remote-debugging-pipe` (fd 3 in, fd 4 out, messages NUL-terminated JSON): no WebSocket
 * and no npm dependency. One page (target) per browser, attached in flat session mode.
 */
export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: Json): void; reject(e: Error): void }>();
  private readonly listeners: ((method: string, params: Json) => void)[] = [];
  private session = '';
  /** Uncaught exceptions, console.error calls and error log entries of the page. */
  readonly consoleErrors: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
  ) {}

  static async launch(width = 1360, height = 900): Promise<HeadlessChromium> {
    const child = trackChild(
      spawn(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-quic',
          '--disable-dev-shm-usage',
          `--user-data-dir=${tempDir('dm-chromium-')}`,
          '--remote-debugging-pipe',
          'about:blank',
        ],
        { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
      ),
    );
    const b = new HeadlessChromium(child, child.stdio[3] as Writable);
    let buf = '';
    (child.stdio[4] as Readable).setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\0'); i >= 0; i = buf.indexOf('\0')) {
        b.onMessage(JSON.parse(buf.slice(0, i)) as Json);
        buf = buf.slice(i + 1);
      }
    });
    child.once('exit', () => {
      for (const p of b.pending.values()) p.reject(new Error('chromium exited'));
      b.pending.clear();
    });
    const { targetId } = (await b.send('Target.createTarget', { url: 'about:blank' }, '')) as {
      targetId: string;
    };
    const { sessionId } = (await b.send('Target.attachToTarget', { targetId, flatten: true }, '')) as {
      sessionId: string;
    };
    b.session = sessionId;
    b.on((method, params) => {
      if (method === 'Runtime.exceptionThrown') {
        const d = params.exceptionDetails as { text?: string; exception?: { description?: string } };
        b.consoleErrors.push(`exception: ${d.exception?.description ?? d.text}`);
      } else if (method === 'Runtime.consoleAPICalled' && params.type === 'error') {
        b.consoleErrors.push(`console.error: ${JSON.stringify(params.args)}`);
      } else if (method === 'Log.entryAdded') {
        const e = params.entry as { level: string; text: string; url?: string };
        if (e.level === 'error') b.consoleErrors.push(`log: ${e.text} ${e.url ?? ''}`);
      } else if (method === 'Page.javascriptDialogOpening') {
        void b.send('Page.handleJavaScriptDialog', { accept: true }).catch(() => undefined);
      }
    });
    await Promise.all([b.send('Page.enable'), b.send('Runtime.enable'), b.send('Log.enable')]);
    await b.send('Emulation.setDeviceMetricsOverride', {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return b;
  }

  private onMessage(msg: Json): void {
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      const err = msg.error as { message: string } | undefined;
      if (err) p?.reject(new Error(err.message));
      else p?.resolve((msg.result ?? {}) as Json);
      return;
    }
    for (const l of this.listeners) l(String(msg.method), (msg.params ?? {}) as Json);
  }

  on(listener: (method: string, params: Json) => void): void {
    this.listeners.push(listener);
  }

  /** One CDP command on the page's session (`session` '' = the browser itself). */
  send(method: string, params: Json = {}, session = this.session): Promise<Json> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(
        `${JSON.stringify({ id, method, params, ...(session ? { sessionId: session } : {}) })}\0`,
      );
    });
  }

  async navigate(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      this.on((method) => {
        if (method === 'Page.loadEventFired') resolve();
      });
    });
    const res = (await this.send('Page.navigate', { url })) as { errorText?: string };
    if (res.errorText) throw new Error(`navigate ${url}: ${res.errorText}`);
    await loaded;
  }

  /** Value of a JavaScript expression in the page (promises awaited). */
  async eval<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    })) as {
      result: { value?: T };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** A real mouse click (pressed + released) at the centre of the element `selector` matches. */
  async click(selector: string): Promise<void> {
    const box = await this.eval<{ x: number; y: number } | null>(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      el.scrollIntoView({ block: 'center' });
      const r = el.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    })()`);
    if (!box) throw new Error(`no element ${selector}`);
    for (const type of ['mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', {
        type,
        x: box.x,
        y: box.y,
        button: 'left',
        clickCount: 1,
      });
    }
  }

  /** PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    const { data } = (await this.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
    return Buffer.from(data, 'base64');
  }

  async close(): Promise<void> {
    await this.send('Browser.close', {}, '').catch(() => undefined);
    await stopChild(this.child, 5_000);
  }
}
