// /sources/ and /products/ (seed 002 "Source File Services" and "Product Services"): source files
// and the products jobs made, their updates, and their lineage both ways — a product's details
// name the source files (and products) it came from and the products made from it; a source's
// details name the jobs that consumed it and the products derived from it. And v6's purge of a
// source file with everything made from it (POST /files/purge-source/).
import { Router, type Request } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import {
  PRODUCT_TIME_FIELDS, SOURCE_TIME_FIELDS, type ProductFilter, type ProductTimeField, type SourceFilter, type SourceTimeField,
} from '../core/files/lineage.ts';
import type { ScaleFile } from '../core/files/service.ts';
import type { JobType } from '../core/job-types/service.ts';
import { fileJson, iso, jobJson, jobTypeSummary } from './codecs.ts';
import { jobContext } from './context.ts';
import { HttpError, isV6 } from './http.ts';
import { jobFilter } from './jobs.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

type JobTypes = Map<number, JobType>;

/** A product as seed 002 shows it: the file, the job type that made it (summary), job and execution. */
export function productJson(f: ScaleFile, jobTypes: JobTypes) {
  const jt = f.jobTypeId ? jobTypes.get(f.jobTypeId) : undefined;
  return {
    ...fileJson(f),
    is_operational: jt ? jt.isOperational : true,
    is_published: f.isPublished,
    has_been_published: f.isPublished || f.published !== null,
    published: iso(f.published),
    // A product is unpublished when the job that superseded its job completes (no product is superseded by UUID here).
    unpublished: iso(f.unpublished),
    is_superseded: false,
    superseded: null,
    job_type: jt ? jobTypeSummary(jt) : f.jobTypeId ? { id: f.jobTypeId } : null,
    job: f.jobId ? { id: f.jobId } : null,
    job_exe: f.jobExeId ? { id: f.jobExeId } : null,
  };
}

/** When a job reported parse results for the file (meta_data.parsed), or null. */
const parsedAt = (f: ScaleFile): string | null => (typeof f.metaData?.parsed === 'string' ? f.metaData.parsed : null);

/** A source file: the file and whether (and when) it was parsed. */
export function sourceJson(f: ScaleFile) {
  return { ...fileJson(f), is_parsed: parsedAt(f) !== null, parsed: parsedAt(f) };
}

/** What last happened to a product: deleted, else published, else unpublished. */
function productUpdate(f: ScaleFile) {
  if (f.isDeleted) return { action: 'DELETED', when: iso(f.deleted) };
  if (f.isPublished) return { action: 'PUBLISHED', when: iso(f.published) };
  return { action: 'UNPUBLISHED', when: iso(f.unpublished) };
}

/** What last happened to a source: deleted, else parsed, else created. */
function sourceUpdate(f: ScaleFile) {
  if (f.isDeleted) return { action: 'DELETED', when: iso(f.deleted) };
  if (parsedAt(f)) return { action: 'PARSED', when: parsedAt(f) };
  return { action: 'CREATED', when: iso(f.created) };
}

/** `/{id}/` or `/{file_name}/`, as Scale's details routes take either. */
function fileRef(req: Request, entity: string): number | string {
  const raw = String(req.params.ref);
  if (/^\d+$/.test(raw)) {
    const id = Number(raw);
    if (raw.length > 15 || id < 1) throw new HttpError(404, `${entity} ${JSON.stringify(raw)} does not exist`);
    return id;
  }
  if (!/^[\w.-]{1,250}$/.test(raw)) throw new HttpError(404, `${entity} ${JSON.stringify(raw)} does not exist`);
  return raw;
}

function timeField<T extends string>(q: Query, choices: readonly T[]): T | undefined {
  const v = q.one('time_field');
  if (v === undefined) return undefined;
  if (!choices.includes(v as T)) throw new Invalid('time_field', `${JSON.stringify(v)} is not one of ${choices.join(', ')}`);
  return v as T;
}

function productFilter(q: Query, opts: { timeField: boolean; publishedByDefault: boolean }): ProductFilter {
  return {
    ...q.list(),
    ...q.range(),
    timeField: opts.timeField ? timeField<ProductTimeField>(q, PRODUCT_TIME_FIELDS) : undefined,
    jobTypeIds: q.ints('job_type_id', { min: 1 }),
    jobTypeNames: q.strings('job_type_name'),
    jobTypeCategories: q.strings('job_type_category'),
    jobIds: q.ints('job_id', { min: 1 }),
    jobOutputs: q.strings('job_output'),
    isOperational: q.bool('is_operational'),
    isPublished: q.bool('is_published') ?? (opts.publishedByDefault ? true : undefined),
    fileNames: q.strings('file_name'),
  };
}

function sourceFilter(q: Query, opts: { timeField: boolean }): SourceFilter {
  return {
    ...q.list(),
    ...q.range(),
    timeField: opts.timeField ? timeField<SourceTimeField>(q, SOURCE_TIME_FIELDS) : undefined,
    isParsed: q.bool('is_parsed'),
    fileNames: q.strings('file_name'),
  };
}

export function sourcesProductsRouter(core: Core): Router {
  const r = Router();
  const { lineage } = core;
  // Scale 6.0.0 removed the product views and every source view but the details from v6 (they raise
  // Http404 unless the version is v5: product/test/test_views.py TestProductsViewsV6, source/views.py).
  // /v6/sources/{id}/ingests/ stays served (ingest.ts), as this server's v6 clients read it.
  r.get(['/products/', '/products/updates/', '/products/:ref/', '/products/:ref/sources/', '/sources/', '/sources/updates/', '/sources/:ref/products/', '/sources/:ref/jobs/'], (req, _res, next) => {
    if (isV6(req)) throw new HttpError(404, `${req.path} is not served under v6`);
    next();
  });
  const jobTypesOf = (files: ScaleFile[]) => core.jobTypes.getMany([...new Set(files.map((f) => f.jobTypeId).filter((id): id is number => id !== null))]);

  async function productPage(req: Request, f: ProductFilter, withUpdates = false) {
    const list = await lineage.listProducts(f);
    const [jobTypes, up] = await Promise.all([jobTypesOf(list.rows), withUpdates ? lineage.upstream(list.rows.map((p) => p.id)) : null]);
    return paged(req, f, list, (p) => ({
      ...productJson(p, jobTypes),
      ...(up ? { update: productUpdate(p), source_files: up.get(p.id)!.sources.map(sourceJson) } : {}),
    }));
  }

  r.get('/products/', async (req, res) => {
    res.json(await productPage(req, productFilter(new Query(req), { timeField: true, publishedByDefault: true })));
  });

  r.get('/products/updates/', async (req, res) => {
    res.json(await productPage(req, productFilter(new Query(req), { timeField: false, publishedByDefault: false }), true));
  });

  r.get('/products/:ref/', async (req, res) => {
    const product = await lineage.get('PRODUCT', fileRef(req, 'product'));
    const [up, down] = await Promise.all([lineage.upstream([product.id]), lineage.downstream(product.id)]);
    const { sources, products: ancestors } = up.get(product.id)!;
    const descendants = await core.files.getMany(down.productIds);
    const jobTypes = await jobTypesOf([product, ...ancestors, ...descendants.values()]);
    res.json({
      ...productJson(product, jobTypes),
      sources: sources.map(sourceJson),
      ancestors: ancestors.map((p) => productJson(p, jobTypes)),
      descendants: down.productIds.map((id) => descendants.get(id)).filter((p): p is ScaleFile => Boolean(p)).map((p) => productJson(p, jobTypes)),
    });
  });

  r.get('/products/:ref/sources/', async (req, res) => {
    const f = sourceFilter(new Query(req), { timeField: true });
    const product = await lineage.get('PRODUCT', fileRef(req, 'product'));
    const up = (await lineage.upstream([product.id])).get(product.id)!;
    res.json(paged(req, f, await lineage.listSources({ ...f, within: up.sources.map((s) => s.id) }), sourceJson));
  });

  r.get('/sources/', async (req, res) => {
    const f = sourceFilter(new Query(req), { timeField: true });
    res.json(paged(req, f, await lineage.listSources(f), sourceJson));
  });

  r.get('/sources/updates/', async (req, res) => {
    const f = sourceFilter(new Query(req), { timeField: false });
    res.json(paged(req, f, await lineage.listSources(f), (s) => ({ ...sourceJson(s), update: sourceUpdate(s) })));
  });

  r.get('/sources/:ref/', async (req, res) => {
    const source = await lineage.get('SOURCE', fileRef(req, 'source file'));
    const down = await lineage.downstream(source.id);
    const [productMap, jobMap] = await Promise.all([core.files.getMany(down.productIds), core.jobQueries.jobsByIds(down.jobIds)]);
    const products = down.productIds.map((id) => productMap.get(id)).filter((p): p is ScaleFile => Boolean(p));
    const jobs = down.jobIds.map((id) => jobMap.get(id)).filter((j) => j !== undefined);
    const [jobTypes, ctx] = await Promise.all([jobTypesOf(products), jobContext(core, jobs)]);
    res.json({
      ...sourceJson(source),
      products: products.map((p) => productJson(p, jobTypes)),
      jobs: jobs.map((j) => jobJson(j, ctx)),
    });
  });

  r.get('/sources/:ref/products/', async (req, res) => {
    const f = productFilter(new Query(req), { timeField: true, publishedByDefault: false });
    const source = await lineage.get('SOURCE', fileRef(req, 'source file'));
    const down = await lineage.downstream(source.id);
    res.json(await productPage(req, { ...f, within: down.productIds }));
  });

  // Scale 6.0.0's PurgeSourceFileView: {file_id} of a SOURCE file, 204; a v5 request is refused as there.
  r.post('/files/purge-source/', async (req, res) => {
    if (req.baseUrl.endsWith('/v5')) throw new HttpError(400, 'This endpoint is supported with REST API v6+');
    const b = req.body ?? {};
    if (typeof b !== 'object' || Array.isArray(b)) throw new Invalid(null, 'the request body must be a JSON object');
    const raw = (b as Record<string, unknown>).file_id;
    if (raw === undefined || raw === null) throw new Invalid('file_id', 'is required: the id of the SOURCE file to purge');
    const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d{1,15}\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || id < 1) throw new Invalid('file_id', `the given file_id is not valid: ${JSON.stringify(raw)}`);
    await core.purger.purgeSource(id);
    res.status(204).end();
  });

  r.get('/sources/:ref/jobs/', async (req, res) => {
    const f = jobFilter(new Query(req));
    const source = await lineage.get('SOURCE', fileRef(req, 'source file'));
    const { jobIds } = await lineage.downstream(source.id);
    const asked = f.jobIds?.length ? new Set(f.jobIds) : null;
    const within = asked ? jobIds.filter((id) => asked.has(id)) : jobIds;
    // No job has id 0: an empty lineage still runs the query, so a bad order is still a 400.
    const list = await core.jobQueries.listJobs({ ...f, jobIds: within.length ? within : [0] });
    const ctx = await jobContext(core, list.rows);
    res.json(paged(req, f, list, (j) => jobJson(j, ctx)));
  });

  return r;
}
