/**
 * `node --import dist/scripts/cpu-prof-preload.js`: a CPU profile of the whole process,
 * written as `<CPU_PROF_DIR>/<pid>-<threadId>.cpuprofile` when it exits. The benches profile the
 * dm-worker this way because Node 20 refuses `--cpu-prof` inside NODE_OPTIONS (the only way
 * in through `bin/dm-worker`). The inspector session runs on this thread, so `post` calls
 * back synchronously and the profile can be written from the 'exit' handler.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env.CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err)
        writeFileSync(join(dir, `${process.pid}-${threadId}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
