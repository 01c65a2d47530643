// /nodes/, /scheduler/ and /status/: the cluster as the scheduler sees it.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { Router } from 'express';
import type { Core } from '../core/index.ts';
import type { Node } from '../core/nodes/service.ts';
import { exeJson, nodeJson, resourcesJson, statusCountJson } from './codecs.ts';
import { jobContext } from './context.ts';
import { Invalid } from '../errors.ts';
import { body, checked, HttpError, idParam, isV6 } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';
import { FINISHED_WINDOW_MS, statusV6 } from './status-v6.ts';
import { ROOT } from '../root.ts';

const SERVER_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

const HOUR = 3600_000;

/** A v6 edit body as Scale's node and scheduler views take it: no field outside `allowed`, and at least one. */
function someOf(b: unknown, allowed: string[]): Record<string, unknown> {
  const given = b === undefined ? {} : b;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new HttpError(400, 'the request body must be a JSON object');
  const extra = Object.keys(given).filter((k) => !allowed.includes(k));
  if (extra.length) throw new HttpError(400, `Unexpected fields: ${extra.join(', ')}`);
  if (!Object.keys(given).length) throw new HttpError(400, 'No fields specified for update.');
  return given as Record<string, unknown>;
}

/** The window v6 /status/ takes its per-second scheduler metrics over. */
const RATE_SECONDS = 60;

export function nodesRouter(core: Core, opts: { nodeLostSeconds: number; schedulerOnline: () => boolean }): Router {
  const r = Router();
  const online = (n: Node) => Boolean(n.lastHeartbeat && Date.now() - new Date(n.lastHeartbeat).getTime() < opts.nodeLostSeconds * 1000);

  async function running(nodeIds: number[]) {
    const exes = await core.jobQueries.runningOnNodes(nodeIds);
    const ctx = await jobContext(core, [], exes);
    return (nodeId: number) => exes.filter((x) => x.nodeId === nodeId).map((x) => exeJson(x, ctx));
  }

  r.get('/nodes/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.nodes.list({ ...page, ...q.range(), includeInactive: q.bool('include_inactive') ?? false });
    res.json(paged(req, page, list, nodeJson));
  });

  r.get('/nodes/status/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const { started, ended } = q.range();
    const list = await core.nodes.list({ ...page, order: page.order.length ? page.order : ['id'] });
    const ids = list.rows.map((n) => n.id);
    const [counts, runningOf] = await Promise.all([core.nodes.exeCounts(ids, started ?? new Date(Date.now() - 3 * HOUR), ended ?? null), running(ids)]);
    res.json(paged(req, page, list, (n) => ({ node: nodeJson(n), is_online: online(n), job_exe_counts: counts.get(n.id)!.map(statusCountJson), job_exes_running: runningOf(n.id) })));
  });

  async function details(id: number) {
    const n = await core.nodes.get(id);
    const [scheduled, runningOf] = await Promise.all([core.nodes.scheduled([id]), running([id])]);
    return { ...nodeJson(n), is_online: online(n), disconnected: n.isActive && !online(n), job_exes_running: runningOf(id), resources: resourcesJson(n.total, scheduled.get(id)!) };
  }

  r.get('/nodes/:id/', async (req, res) => {
    res.json(await details(idParam(req, 'id', 'node')));
  });

  const edit = async (req: import('express').Request, res: import('express').Response) => {
    const id = idParam(req, 'id', 'node');
    if (isV6(req)) {
      // NodeDetailsView.patch_v6: only pause_reason, is_paused and is_active, at least one; 204 with no body.
      await core.nodes.edit(id, checked(someOf(req.body, ['pause_reason', 'is_paused', 'is_active']), 'scale-api/node-edit'));
      res.status(204).end();
      return;
    }
    await core.nodes.edit(id, body(req, 'scale-api/node-edit'));
    res.json(await details(id));
  };
  r.patch('/nodes/:id/', edit);
  r.put('/nodes/:id/', edit);

  r.get('/scheduler/', async (_req, res) => {
    const s = await core.nodes.schedulerState();
    res.json({ is_paused: s.isPaused, queue_mode: s.queueMode });
  });

  r.patch('/scheduler/', async (req, res) => {
    if (isV6(req)) {
      // SchedulerView.patch_v6: at least one of its update_fields, 204 with no body. Scale's
      // num_message_handlers and system_logging_level have no counterpart here: read as Scale's model
      // would take them, then left (queue_mode is this server's).
      const { num_message_handlers: handlers, system_logging_level: level, ...edit } = someOf(req.body, ['is_paused', 'queue_mode', 'num_message_handlers', 'system_logging_level']);
      if (handlers !== undefined && !(Number.isInteger(Number(handlers)) && String(handlers).trim() !== '')) throw new Invalid('num_message_handlers', 'must be an integer');
      if (level !== undefined && (typeof level !== 'string' || level.length > 10)) throw new Invalid('system_logging_level', 'must be a logging level name');
      if (Object.keys(edit).length) await core.nodes.editScheduler(checked(edit, 'scale-api/scheduler-edit'));
      res.status(204).end();
      return;
    }
    const s = await core.nodes.editScheduler(body(req, 'scale-api/scheduler-edit'));
    res.json({ is_paused: s.isPaused, queue_mode: s.queueMode });
  });

  // v6: what the cluster has, and what waiting and running jobs ask of it.
  r.get('/scheduler/queued-resources/', async (_req, res) => {
    const [nodes, demand] = await Promise.all([core.nodes.active(), core.queue.demand()]);
    const cluster = nodes.filter(online).reduce((a, n) => ({ cpus: a.cpus + n.total.cpus, mem: a.mem + n.total.mem, disk: a.disk + n.total.disk, gpus: a.gpus + (n.total.gpus ?? 0) }), { cpus: 0, mem: 0, disk: 0, gpus: 0 });
    // As Scale shows them: only the resources a status asks for at all.
    const asked = (d: { cpus: number; mem: number; disk: number; gpus: number }) => Object.fromEntries(Object.entries({ cpus: d.cpus, mem: d.mem, disk: d.disk, gpus: d.gpus }).filter(([, v]) => v > 0));
    res.json({
      cluster_resources: cluster,
      queue_lengths: Object.fromEntries([...demand].map(([s, d]) => [s, d.count])),
      total_resources: Object.fromEntries([...demand].map(([s, d]) => [s, asked(d)])),
    });
  });

  // v6's system version: this server's (package.json), in Scale's shape.
  r.get('/version/', (_req, res) => {
    res.json({ version: SERVER_VERSION });
  });

  /**
   * Scale 6's status, or null where Scale answers 204 (no scheduler reporting): neither this
   * process's scheduler runs nor does any node heartbeat (a scheduler elsewhere keeps its nodes fresh).
   */
  async function v6Status() {
    const now = new Date();
    const [s, nodes, rates, jobTypes] = await Promise.all([
      core.nodes.schedulerState(), core.nodes.tracked(new Date(now.getTime() - opts.nodeLostSeconds * 1000)),
      core.nodes.exeRates(new Date(now.getTime() - RATE_SECONDS * 1000)),
      // Every job type, as Scale's scheduler keeps them all (its UI names the executions' types from these).
      core.jobTypes.list({ page: 1, pageSize: Number.MAX_SAFE_INTEGER, order: ['id'] }),
    ]);
    if (!opts.schedulerOnline() && !nodes.some(online)) return null;
    const ids = nodes.map((n) => n.id);
    const [running, exes] = await Promise.all([core.nodes.scheduled(ids), core.nodes.exeMetrics(ids, new Date(now.getTime() - FINISHED_WINDOW_MS))]);
    return statusV6({
      now, hostname: os.hostname(), schedulerPaused: s.isPaused, rates, rateSeconds: RATE_SECONDS,
      nodes: nodes.map((n) => ({ node: n, online: online(n), running: running.get(n.id)! })), exes, jobTypes: jobTypes.rows,
    });
  }

  r.get('/status/', async (req, res) => {
    if (isV6(req)) {
      const status = await v6Status();
      if (status) res.json(status);
      else res.status(204).end();
      return;
    }
    const [s, nodes, depth] = await Promise.all([core.nodes.schedulerState(), core.nodes.active(), core.queue.depth()]);
    const live = nodes.filter(online);
    const scheduled = await core.nodes.scheduled(live.map((n) => n.id));
    const sum = (f: (n: Node) => { cpus: number; mem: number; disk: number }) =>
      live.reduce((a, n) => ({ cpus: a.cpus + f(n).cpus, mem: a.mem + f(n).mem, disk: a.disk + f(n).disk }), { cpus: 0, mem: 0, disk: 0 });
    res.json({
      master: { is_online: true, hostname: os.hostname(), port: null },
      scheduler: { is_online: opts.schedulerOnline(), is_paused: s.isPaused, hostname: os.hostname() },
      queue_depth: depth,
      resources: resourcesJson(sum((n) => n.total), sum((n) => scheduled.get(n.id)!)),
      nodes: { total: nodes.length, online: live.length },
    });
  });

  return r;
}
