import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { OPENAPI_DOC } from './openapi-doc.js';
import type { MasterServer } from './server.js';
import { registerV1Routes } from './v1-routes.js';

/** Every `$ref` target inside `v`. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refs(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe('/api/v1/dm.json', () => {
  it('describes exactly the paths and methods v1-routes serves', async () => {
    const app = Fastify();
    const served: string[] = [];
    app.addHook('onRoute', (r) => {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      for (const m of methods) {
        if (m === 'HEAD') continue;
        served.push(`${m} ${r.url.replace(/^\/api\/v1/, '').replace(/:([\w-]+)/g, '{$1}')}`);
      }
    });
    // Handlers never run here: the master is only captured by the route closures.
    registerV1Routes(app, {} as MasterServer);
    await app.ready();
    const documented = Object.entries(OPENAPI_DOC.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{[\w-]+\}/g, '{name}')}`),
    );
    served.splice(served.indexOf('GET /dm.json'), 1);
    const norm = served.map((s) => s.replace(/\{[\w-]+\}/g, '{name}'));
    assert.deepEqual([...norm].sort(), [...documented].sort());
    await app.close();
  });

  it('every $ref points at a defined schema', () => {
    const schemas = OPENAPI_DOC.components.schemas as Record<string, unknown>;
    for (const r of refs(OPENAPI_DOC)) {
      const name = r.replace('#/components/schemas/', '');
      assert.ok(name in schemas, `${r} is not defined`);
    }
  });
});
