/**
 * The web dashboard at `/dashboard/` (DM's path): one HTML page and one browser module
 * (`app.ts`, compiled by the project's tsc next to this file). The page only calls DM's
 * OpenAPI (`/api/v1/…`), so it needs nothing from the master beyond serving two files.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_HTML } from './page.js';

/** The compiled browser module, read once (it sits beside this file in dist/). */
let appJs: Promise<string> | undefined;

/** Route module (ROUTE_MODULES in master/http-server.ts): `/dashboard/` and its script. */
export function registerDashboardRoutes(app: FastifyInstance): void {
  app.get('/dashboard', async (_req, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard/', async (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('cache-control', 'no-cache');
    return DASHBOARD_HTML;
  });
  app.get('/dashboard/app.js', async (_req, reply) => {
    appJs ??= readFile(new URL('./app.js', import.meta.url), 'utf8');
    reply.header('content-type', 'text/javascript; charset=utf-8');
    reply.header('cache-control', 'no-cache');
    return appJs;
  });
}
