import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort } from './ports.js';
import { stopChild, trackChild, untrackDir } from './processes.js';
import { tempDir } from './tmp.js';

/** A single-member throwaway `etcd` on free loopback ports. */
export interface EtcdInstance {
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  client(): Etcd3;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

const ETCD = process.env.ETCD_BIN ?? 'etcd';

export async function startEtcd(): Promise<EtcdInstance> {
  const base = tempDir('dm-etcd-');
  const dataDir = join(base, 'data');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const name = `test${clientPort}`;
  const child: ChildProcess = trackChild(
    spawn(
      ETCD,
      [
        `--name=${name}`,
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=${name}=${peerUrl}`,
        '--initial-cluster-state=new',
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    ),
  );
  const clients: Etcd3[] = [];
  const inst: EtcdInstance = {
    clientUrl,
    peerUrl,
    dataDir,
    client() {
      const c = new Etcd3({ hosts: clientUrl });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients.splice(0)) c.close();
      await stopChild(child);
    },
    async destroy() {
      await inst.stop();
      rmSync(base, { recursive: true, force: true });
      untrackDir(base);
    },
  };
  const probe = new Etcd3({ hosts: clientUrl, dialTimeout: 500 });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited during startup (${child.exitCode})`);
      try {
        await probe.put('/dm-test/probe').value('1');
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('etcd not ready after 30s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    probe.close();
  }
  return inst;
}
