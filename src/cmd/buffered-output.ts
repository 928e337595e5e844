import type { Writable } from 'node:stream';

/**
 * A large write buffer in front of a stream (stdout): lines are collected and handed to the
 * stream ~1 MiB at a time, so printing millions of small JSON lines costs few syscalls, and
 * `write` waits for 'drain' when the stream pushes back, so memory stays bounded.
 */
export class BufferedOutput {
  private parts: string[] = [];
  private bytes = 0;
  private broken = false;

  constructor(
    private readonly out: Writable,
    private readonly limit = 1 << 20,
  ) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      // A closed pipe (`| head`) is a normal end for a printer: stop writing quietly.
      if (err.code === 'EPIPE') this.broken = true;
    });
  }

  /** True when the reader went away (EPIPE): the caller should stop. */
  get closed(): boolean {
    return this.broken || this.out.destroyed;
  }

  /** Queue one line (a newline is added). Resolves at once unless the buffer was handed off and the stream is full. */
  line(s: string): Promise<void> | undefined {
    this.parts.push(s, '\n');
    this.bytes += s.length + 1;
    if (this.bytes >= this.limit) return this.flush();
    return undefined;
  }

  /** Hand everything buffered to the stream; resolves when the stream can take more. */
  flush(): Promise<void> {
    if (this.parts.length === 0 || this.closed) return Promise.resolve();
    const chunk = this.parts.join('');
    this.parts = [];
    this.bytes = 0;
    const ok = this.out.write(chunk);
    if (ok) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.out.off('error', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('error', done);
      this.out.on('close', done);
    });
  }

  /** Flush and wait until the stream has passed everything on. */
  async end(): Promise<void> {
    await this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      // write('') with a callback fires once earlier writes are flushed.
      this.out.write('', () => resolve());
    });
  }
}
