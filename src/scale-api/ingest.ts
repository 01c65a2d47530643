// Ingest (seed 002): /strike/create/, /strikes/, /scans/, /ingests/, /ingests/status/.
import { Router } from 'express';
import type { Core } from '../core/index.ts';
import type { Ingest } from '../core/ingest/ingests.ts';
import { INGEST_STATUSES } from '../core/ingest/ingests.ts';
import type { Scan } from '../core/ingest/scans.ts';
import type { Strike } from '../core/ingest/strikes.ts';
import { Invalid } from '../errors.ts';
import { iso } from './codecs.ts';
import { idParam } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

export function strikeJson(s: Strike, detail = false) {
  return { id: s.id, name: s.name, title: s.title, description: s.description, is_active: s.isActive, created: iso(s.created), last_modified: iso(s.lastModified), ...(detail ? { configuration: s.configuration } : {}) };
}

export function scanJson(s: Scan, detail = false) {
  return {
    id: s.id, name: s.name, title: s.title, description: s.description, file_count: s.fileCount, dry_run_started: iso(s.dryRunStarted), dry_run_ended: iso(s.dryRunEnded),
    started: iso(s.started), ended: iso(s.ended), created: iso(s.created), last_modified: iso(s.lastModified), ...(detail ? { configuration: s.configuration } : {}),
  };
}

export function ingestJson(i: Ingest) {
  return {
    id: i.id, file_name: i.fileName, strike: i.strikeId === null ? null : { id: i.strikeId }, scan: i.scanId === null ? null : { id: i.scanId }, status: i.status,
    bytes_transferred: i.bytesTransferred, transfer_started: iso(i.transferStarted), transfer_ended: iso(i.transferEnded), media_type: i.mediaType, file_size: i.fileSize,
    data_type: i.dataTypes, file_path: i.filePath, workspace: i.workspaceId === null ? null : { id: i.workspaceId }, new_file_path: i.newFilePath,
    new_workspace: i.newWorkspaceId === null ? null : { id: i.newWorkspaceId }, error: i.error, ingest_started: iso(i.ingestStarted), ingest_ended: iso(i.ingestEnded),
    source_file: i.sourceFileId === null ? null : { id: i.sourceFileId }, created: iso(i.created), last_modified: iso(i.lastModified),
  };
}

/** A JSON body (express.json already parsed it); a missing one is an empty object. */
const bodyOf = (req: { body?: unknown }): Record<string, unknown> => {
  if (req.body === undefined || req.body === null) return {};
  if (typeof req.body !== 'object' || Array.isArray(req.body)) throw new Invalid(null, 'the request body must be a JSON object');
  return req.body as Record<string, unknown>;
};

export function ingestRouter(core: Core): Router {
  const r = Router();
  const createStrike = async (req: any, res: any) => {
    const s = await core.strikes.create(bodyOf(req));
    res.status(201).location(`${req.baseUrl}/strikes/${s.id}/`).json(strikeJson(s, true));
  };
  // v6: what creating would say, as {is_valid, errors, warnings}; nothing is created.
  const validation = (validate: (b: Record<string, unknown>) => Promise<{ field: string | null; message: string }[]>) => async (req: any, res: any) => {
    const errors = (await validate(bodyOf(req))).map((p) => ({ name: p.field, description: p.message }));
    res.json({ is_valid: errors.length === 0, errors, warnings: [] });
  };
  r.post('/strikes/validation/', validation((b) => core.strikes.validate(b)));
  r.post('/scans/validation/', validation((b) => core.scans.validate(b)));
  r.post('/strike/create/', createStrike);
  r.post('/strikes/', createStrike);
  r.get('/strikes/', async (req, res) => {
    const all = (await core.strikes.list()).map((s) => strikeJson(s));
    res.json({ count: all.length, next: null, previous: null, results: all });
  });
  r.get('/strikes/:id/', async (req, res) => {
    res.json(strikeJson(await core.strikes.get(idParam(req, 'id', 'strike')), true));
  });
  r.patch('/strikes/:id/', async (req, res) => {
    res.json(strikeJson(await core.strikes.edit(idParam(req, 'id', 'strike'), bodyOf(req)), true));
  });

  // S3 event notifications for an s3 Strike (a MinIO webhook, or a relay from SQS).
  r.post('/strikes/:id/notifications/', async (req, res) => {
    res.json(await core.strikes.notify(idParam(req, 'id', 'strike'), bodyOf(req)));
  });

  r.post('/scans/', async (req, res) => {
    const s = await core.scans.create(bodyOf(req));
    res.status(201).location(`${req.baseUrl}/scans/${s.id}/`).json(scanJson(s, true));
  });
  r.get('/scans/', async (_req, res) => {
    const all = (await core.scans.list()).map((s) => scanJson(s));
    res.json({ count: all.length, next: null, previous: null, results: all });
  });
  r.get('/scans/:id/', async (req, res) => {
    res.json(scanJson(await core.scans.get(idParam(req, 'id', 'scan')), true));
  });
  r.patch('/scans/:id/', async (req, res) => {
    res.json(scanJson(await core.scans.edit(idParam(req, 'id', 'scan'), bodyOf(req)), true));
  });
  // {"ingest": false} (or ?dry_run=true) reports what would be ingested without touching anything.
  r.post('/scans/:id/process/', async (req, res) => {
    const b = bodyOf(req);
    if (b.ingest !== undefined && typeof b.ingest !== 'boolean') throw new Invalid('ingest', 'must be a boolean');
    const dryRun = b.ingest === false || req.query.dry_run === 'true';
    const { scan, result, plan } = await core.scans.process(idParam(req, 'id', 'scan'), { dryRun });
    res.json({ ...scanJson(scan, true), dry_run: dryRun, ...result, files: plan });
  });

  r.get('/ingests/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.ingests.list({
      ...page, ...q.range(), statuses: q.strings('status', INGEST_STATUSES), strikeIds: q.ints('strike_id', { min: 1 }), scanIds: q.ints('scan_id', { min: 1 }), fileNames: q.strings('file_name'),
    });
    res.json(paged(req, page, list, ingestJson));
  });
  r.get('/ingests/status/', async (req, res) => {
    const q = new Query(req);
    const rows = await core.ingests.status({ ...q.range(), useIngestTime: q.bool('use_ingest_time') ?? false });
    res.json({ count: rows.length, next: null, previous: null, results: rows.map((x) => ({ strike: { id: x.strikeId }, most_recent: iso(x.mostRecent), files: x.files, size: x.size, values: x.values.map((v) => ({ time: iso(v.time), files: v.files, size: v.size })) })) });
  });
  r.get('/ingests/:id/', async (req, res) => {
    res.json(ingestJson(await core.ingests.get(idParam(req, 'id', 'ingest'))));
  });
  return r;
}
