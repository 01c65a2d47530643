// Ingest (seed 002, Scale 6.0.0's ingest/views.py): /strike/create/, /strikes/, /scans/ and
// /scans/{id}/process/, /ingests/ (by id or file name), /ingests/status/, /sources/{id}/ingests/.
// Shapes in ingest-codecs.ts. Where Scale's v6 views differ from v5 (PATCH answers 204, process
// answers 200 rather than 201 with a Location), the /v6/ routes follow v6 and the others v5.
// Scale 6.0.0 answers /v6/sources/{id}/ingests/ and /v6/ingests/{file_name}/ with 404 (v5 only);
// here every route is served under every prefix, as the other /sources/ routes are.
import { Router, type Request, type Response } from 'express';
import type { Core } from '../core/index.ts';
import { INGEST_FILTER_STATUSES } from '../core/ingest/ingests.ts';
import type { Scan } from '../core/ingest/scans.ts';
import type { Strike } from '../core/ingest/strikes.ts';
import { Invalid } from '../errors.ts';
import { iso } from './codecs.ts';
import { HttpError, idParam, isV6 } from './http.ts';
import { ingestJobShapes, ingestJson, scanJson, strikeJson } from './ingest-codecs.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

export { ingestJson, scanJson, strikeJson } from './ingest-codecs.ts';

/** A JSON body (express.json already parsed it); a missing one is an empty object. */
const bodyOf = (req: { body?: unknown }): Record<string, unknown> => {
  if (req.body === undefined || req.body === null) return {};
  if (typeof req.body !== 'object' || Array.isArray(req.body)) throw new Invalid(null, 'the request body must be a JSON object');
  return req.body as Record<string, unknown>;
};

/** `/ingests/{id}/` or `/ingests/{file_name}/` (Scale's pattern `[\w.]{0,250}`, and "-" as /sources/{file_name}/ takes). */
function ingestRef(req: Request): number | string {
  const raw = String(req.params.ref);
  if (/^\d+$/.test(raw)) return idParam(req, 'ref', 'ingest');
  if (!/^[\w.-]{1,250}$/.test(raw)) throw new HttpError(404, `ingest ${JSON.stringify(raw)} does not exist`);
  return raw;
}

export function ingestRouter(core: Core): Router {
  const r = Router();

  const strikeOut = async (req: Request, s: Strike) => strikeJson(s, { detail: true, jobs: await ingestJobShapes(core, [s.jobId], isV6(req)) });
  const scanOut = async (req: Request, s: Scan) => scanJson(s, { detail: true, jobs: await ingestJobShapes(core, [s.jobId, s.dryRunJobId], isV6(req)) });
  /** v6 edits answer 204 with no body (Scale 6's patch views); v5 edits answer the details. */
  const edited = async (req: Request, res: Response, render: () => Promise<unknown>) => {
    if (isV6(req)) res.status(204).end();
    else res.json(await render());
  };
  const listFilter = (req: Request) => {
    const q = new Query(req);
    return { ...q.list(), ...q.range(), names: q.strings('name') };
  };

  const createStrike = async (req: Request, res: Response) => {
    const s = await core.strikes.create(bodyOf(req));
    res.status(201).location(`${req.baseUrl}/strikes/${s.id}/`).json(await strikeOut(req, s));
  };
  // v6: what creating would say, as {is_valid, errors, warnings}; nothing is created.
  // Scale 6's v6 views (StrikesValidationView/ScansValidationView.post_impl_v6) read only the
  // configuration (a dict, else 400) and answer 400 with the same body when it is invalid.
  const validation = (validate: (b: Record<string, unknown>) => Promise<{ field: string | null; message: string }[]>) => async (req: Request, res: Response) => {
    const b = bodyOf(req);
    const v6 = isV6(req);
    if (v6 && (b.configuration === null || typeof b.configuration !== 'object' || Array.isArray(b.configuration))) throw new Invalid('configuration', 'is required and must be a JSON object');
    const errors = (await validate(v6 ? { title: 'validation', configuration: b.configuration } : b)).map((p) => ({ name: p.field, description: p.message }));
    // A 400 says what is wrong in `detail` too, as every error answer of this API does.
    const detail = v6 && errors.length ? { detail: errors.map((e) => e.description).join('; ') } : {};
    res.status(v6 && errors.length ? 400 : 200).json({ is_valid: errors.length === 0, errors, warnings: [], ...detail });
  };
  r.post('/strikes/validation/', validation((b) => core.strikes.validate(b)));
  r.post('/scans/validation/', validation((b) => core.scans.validate(b)));
  r.post('/strike/create/', createStrike);
  r.post('/strikes/', createStrike);
  r.get('/strikes/', async (req, res) => {
    const f = listFilter(req);
    const list = await core.strikes.page(f);
    const jobs = await ingestJobShapes(core, list.rows.map((s) => s.jobId), isV6(req));
    res.json(paged(req, f, list, (s) => strikeJson(s, { jobs })));
  });
  r.get('/strikes/:id/', async (req, res) => {
    res.json(await strikeOut(req, await core.strikes.get(idParam(req, 'id', 'strike'))));
  });
  r.patch('/strikes/:id/', async (req, res) => {
    const s = await core.strikes.edit(idParam(req, 'id', 'strike'), bodyOf(req));
    await edited(req, res, () => strikeOut(req, s));
  });

  // S3 event notifications for an s3 Strike (a MinIO webhook, or a relay from SQS).
  r.post('/strikes/:id/notifications/', async (req, res) => {
    res.json(await core.strikes.notify(idParam(req, 'id', 'strike'), bodyOf(req)));
  });

  r.post('/scans/', async (req, res) => {
    const s = await core.scans.create(bodyOf(req));
    res.status(201).location(`${req.baseUrl}/scans/${s.id}/`).json(await scanOut(req, s));
  });
  r.get('/scans/', async (req, res) => {
    const f = listFilter(req);
    const list = await core.scans.page(f);
    const jobs = await ingestJobShapes(core, list.rows.flatMap((s) => [s.jobId, s.dryRunJobId]), isV6(req));
    res.json(paged(req, f, list, (s) => scanJson(s, { jobs })));
  });
  r.get('/scans/:id/', async (req, res) => {
    res.json(await scanOut(req, await core.scans.get(idParam(req, 'id', 'scan'))));
  });
  r.patch('/scans/:id/', async (req, res) => {
    const s = await core.scans.edit(idParam(req, 'id', 'scan'), bodyOf(req));
    await edited(req, res, () => scanOut(req, s));
  });
  // Scale: {"ingest": true} ingests; without it (or false) a dry run reports what would be ingested.
  // ?dry_run=true (this server's) always means a dry run. The sweep runs before the answer, so the
  // answer carries its job's outcome and what it found (dry_run, the counts, files: this server's).
  r.post('/scans/:id/process/', async (req, res) => {
    const id = idParam(req, 'id', 'scan');
    const b = bodyOf(req);
    if (b.ingest !== undefined && typeof b.ingest !== 'boolean') throw new Invalid('ingest', 'must be a boolean');
    const dryRun = b.ingest !== true || new Query(req).bool('dry_run') === true;
    const { scan, result, plan, failed } = await core.scans.process(id, { dryRun });
    const out = { ...(await scanOut(req, scan)), dry_run: dryRun, ...result, files: plan, ...(failed !== null ? { error: failed } : {}) };
    // Scale 6.0.0: v6 answers 200; v5 answers 201 with the Scan's Location.
    if (isV6(req)) res.json(out);
    else res.status(201).location(`${req.baseUrl}/scans/${scan.id}/`).json(out);
  });

  const ingestFilter = (q: Query) => ({ ...q.list(), ...q.range(), statuses: q.strings('status', INGEST_FILTER_STATUSES), strikeIds: q.ints('strike_id', { min: 1 }), scanIds: q.ints('scan_id', { min: 1 }) });
  r.get('/ingests/', async (req, res) => {
    const q = new Query(req);
    const f = { ...ingestFilter(q), fileNames: q.strings('file_name') };
    res.json(paged(req, f, await core.ingests.list(f), ingestJson));
  });
  r.get('/ingests/status/', async (req, res) => {
    const q = new Query(req);
    // Scale's IngestsStatusView: started defaults to seven days ago.
    const { started, ended } = q.range();
    const rows = await core.ingests.status({ started: started ?? new Date(Date.now() - 7 * 86_400_000), ended, useIngestTime: q.bool('use_ingest_time') ?? false });
    res.json({ count: rows.length, next: null, previous: null, results: rows.map((x) => ({ strike: { id: x.strikeId }, most_recent: iso(x.mostRecent), files: x.files, size: x.size, values: x.values.map((v) => ({ time: iso(v.time), files: v.files, size: v.size })) })) });
  });
  r.get('/ingests/:ref/', async (req, res) => {
    const ref = ingestRef(req);
    res.json(ingestJson(typeof ref === 'number' ? await core.ingests.get(ref) : await core.ingests.byFileName(ref)));
  });
  // The ingests that brought a source file in (Scale's SourceIngestsView): 404 unless it is a SOURCE file.
  r.get('/sources/:id/ingests/', async (req, res) => {
    const id = idParam(req, 'id', 'source file');
    const f = ingestFilter(new Query(req));
    await core.lineage.get('SOURCE', id);
    res.json(paged(req, f, await core.ingests.list({ ...f, sourceFileIds: [id] }), ingestJson));
  });
  return r;
}
