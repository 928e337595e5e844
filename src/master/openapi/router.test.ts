import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import type { MasterServer } from '../server.js';
import { v1Handlers } from '../v1-routes.js';
import { registerOpenApi } from './router.js';
import { DM_SPEC, SPEC_OPERATIONS } from './spec.js';
import { checkResponse } from './validator.js';

/** A master that never leads: only local operations and request validation answer. */
const noLeader = {
  opts: { name: 'm1', dataDir: '/nonexistent' },
  leaderCtx: async () => undefined,
  leaderInfo: async () => undefined,
} as unknown as MasterServer;

describe('DM OpenAPI router', () => {
  it('serves every operation of DM spec (43), each with a handler', async () => {
    assert.equal(SPEC_OPERATIONS.length, 43);
    const handlers = v1Handlers(noLeader);
    assert.deepEqual(
      SPEC_OPERATIONS.map((o) => o.operationId).filter((id) => !handlers[id]),
      [],
    );
    assert.deepEqual(
      Object.keys(handlers).filter((id) => !SPEC_OPERATIONS.some((o) => o.operationId === id)),
      [],
      'no handler outside the spec',
    );
    const app = Fastify();
    const served: string[] = [];
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') served.push(`${m} ${r.url}`);
    });
    registerOpenApi(app, noLeader, handlers);
    await app.ready();
    assert.equal(served.length, 43);
    await app.close();
  });

  it('refuses an operation without a handler at startup', () => {
    assert.throws(() => registerOpenApi(Fastify(), noLeader, {}), /without a handler: GetDocHTML/);
  });

  it('validates bodies and queries from the spec before any handler runs', async () => {
    const app = Fastify();
    registerOpenApi(app, noLeader, v1Handlers(noLeader));
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      payload: { source: { source_name: 'x' } },
    });
    assert.equal(bad.statusCode, 400);
    const body = bad.json() as { error_code: number; error_msg: string };
    // a key missing in the source config: the code a source.yaml without it gets (20004)
    assert.equal(body.error_code, 20004);
    assert.match(body.error_msg, /DMAPICreateSource: body\.source must have required property 'host'/);
    assert.equal(
      checkResponse(SPEC_OPERATIONS.find((o) => o.operationId === 'DMAPICreateSource')!, 400, body),
      undefined,
    );
    const purge = await app.inject({ method: 'POST', url: '/api/v1/sources/s1/relay/purge', payload: {} });
    assert.match((purge.json() as { error_msg: string }).error_msg, /relay_binlog_name/);
    const stage = await app.inject({
      method: 'PUT',
      url: '/api/v1/tasks/t1/sources/s1/schemas/d/t',
      payload: { schema_source: 'file' },
    });
    assert.match(
      (stage.json() as { error_msg: string }).error_msg,
      /allowed values.*sql, upstream, downstream/,
    );
    await app.close();
  });

  it('serves dm.json (the vendored spec) and the docs page on any master', async () => {
    const app = Fastify();
    registerOpenApi(app, noLeader, v1Handlers(noLeader));
    const doc = await app.inject({ method: 'GET', url: '/api/v1/dm.json' });
    assert.deepEqual(doc.json(), JSON.parse(JSON.stringify(DM_SPEC)));
    const page = await app.inject({ method: 'GET', url: '/api/v1/docs' });
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /fetch\('\.\/dm\.json'\)/);
    await app.close();
  });
});
