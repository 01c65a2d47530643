// /files/: list and describe files, upload into a workspace (multipart, streamed to storage) and
// download (streamed, with byte ranges). Scale had no way to put a file in except ingest; these
// two calls close that gap (seed 003 lists it as a limit users hit).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { Router, type Request } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import type { FileType, ScaleFile } from '../core/files/service.ts';
import { fileJson } from './codecs.ts';
import { HttpError, idParam, isV6 } from './http.ts';
import { filesV6 } from './files-v6.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

interface UploadFields {
  workspace?: string;
  file_path?: string;
  media_type?: string;
  data_type: string[];
}

const FIELDS = new Set(['workspace', 'workspace_id', 'file_path', 'media_type', 'data_type']);

/** Reads a multipart upload; the file part is streamed into the workspace as it arrives. */
function receive(req: Request, core: Core, opts: { maxUploadBytes: number; defaultWorkspace: () => string | null }): Promise<ScaleFile> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 16 * 1024, parts: 25 } });
    } catch (err) {
      reject(new HttpError(415, `expected a multipart/form-data upload: ${(err as Error).message}`));
      return;
    }
    const fields: UploadFields = { data_type: [] };
    let upload: Promise<ScaleFile> | null = null;
    let part: Readable | null = null;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume(); // drain the rest so the client can read our answer
      if (!upload) return reject(err);
      // A file already under way is not kept when the request fails after all (a second file, a bad
      // field after it): a rejected upload must leave no file behind, in the database or the workspace.
      part?.destroy(new Error('the upload request failed'));
      upload.then((f) => core.files.discard(f.id), () => {}).then(() => reject(err), () => reject(err));
    };
    bb.on('field', (name, value, info) => {
      if (!FIELDS.has(name)) return fail(new Invalid(name, 'is not an upload field; use workspace, file_path, media_type, data_type and one file part named file'));
      if (info.valueTruncated) return fail(new Invalid(name, 'is too long'));
      if (name === 'data_type') fields.data_type.push(value);
      else fields[name === 'workspace_id' ? 'workspace' : (name as 'workspace' | 'file_path' | 'media_type')] = value;
    });
    bb.on('file', (name, stream, info) => {
      // A form cut short (no closing boundary) errors the part's stream too: unheard, that error killed the process.
      stream.on('error', (err) => fail(new Invalid(null, `malformed multipart body: ${err.message}`)));
      if (name !== 'file' || failed) {
        stream.resume();
        return fail(new Invalid(name, 'the file part must be named "file"'));
      }
      part = stream;
      upload = (async () => {
        const wsRef = fields.workspace ?? opts.defaultWorkspace();
        if (!wsRef) throw new Invalid('workspace', 'is required and must come before the file part');
        const ws = /^\d+$/.test(wsRef) ? await core.workspaces.get(Number(wsRef)).catch(() => null) : await core.workspaces.byName(wsRef);
        if (!ws) throw new Invalid('workspace', `workspace ${JSON.stringify(wsRef)} does not exist`);
        const given = info.mimeType && info.mimeType !== 'application/octet-stream' ? info.mimeType : undefined;
        return core.files.upload({
          workspaceId: ws.id, fileName: info.filename ?? '', filePath: fields.file_path, mediaType: fields.media_type || given,
          dataTypes: fields.data_type, data: stream, maxBytes: opts.maxUploadBytes || undefined,
        });
      })();
      upload.catch((err) => {
        stream.resume();
        fail(err);
      });
    });
    bb.on('partsLimit', () => fail(new Invalid(null, 'too many parts in the upload')));
    bb.on('filesLimit', () => fail(new Invalid('file', 'only one file may be uploaded per request')));
    bb.on('fieldsLimit', () => fail(new Invalid(null, 'too many fields in the upload')));
    bb.on('error', (err) => fail(new Invalid(null, `malformed multipart body: ${(err as Error).message}`)));
    bb.on('close', () => {
      if (failed) return;
      if (!upload) return fail(new Invalid('file', 'no file part was sent'));
      upload.then(resolve, fail);
    });
    req.on('aborted', () => fail(new Invalid(null, 'the upload was aborted')));
    req.pipe(bb);
  });
}

/**
 * An attachment's name as RFC 6266 gives it: an ASCII fallback and the UTF-8 name (RFC 5987). A name
 * outside Latin-1 in the plain parameter made Node refuse the header: the download answered 500.
 */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

/** The filters Scale 6's FilesView._list_v6 reads beside file_name and job_id (each time pair checked as a range). */
function v6FileFilters(q: Query) {
  const pair = (a: string, b: string) => {
    const started = q.time(a);
    const ended = q.time(b);
    if (started && ended && ended < started) throw new Invalid(b, `must not be before ${a}`);
    return [started, ended] as const;
  };
  const [dataStarted, dataEnded] = pair('data_started', 'data_ended');
  const [sourceStarted, sourceEnded] = pair('source_started', 'source_ended');
  return {
    dataStarted, dataEnded, sourceStarted, sourceEnded,
    jobTypeIds: q.ints('job_type_id', { min: 1 }), jobTypeNames: q.strings('job_type_name'), jobOutputs: q.strings('job_output'),
    recipeIds: q.ints('recipe_id', { min: 1 }), recipeNodes: q.strings('recipe_node'), batchIds: q.ints('batch_id', { min: 1 }),
  };
}

/**
 * A page of a job's or a recipe's input files (Scale's JobInputFilesView, RecipeInputFilesView):
 * filtered by file_name and by started/ended on the time_field (source, data, or last modified),
 * in the v6 file shape under /v6/.
 */
export async function inputFilesPage(core: Core, req: Request, ids: number[]) {
  const q = new Query(req);
  const page = q.list();
  const { started, ended } = q.range();
  const timeField = q.strings('time_field', ['source', 'data', 'last_modified'])[0];
  const times = timeField === 'source' ? { sourceStarted: started, sourceEnded: ended } : timeField === 'data' ? { dataStarted: started, dataEnded: ended } : { started, ended };
  const list = ids.length ? await core.files.list({ ...page, ids, fileNames: q.strings('file_name'), ...times }) : { count: 0, rows: [] };
  return paged(req, page, list, isV6(req) ? await filesV6(core, list.rows) : fileJson);
}

export function filesRouter(core: Core, opts: { maxUploadBytes: number; defaultWorkspace: () => string | null }): Router {
  const r = Router();
  r.get('/files/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.files.list({
      ...page, ...q.range(), fileTypes: q.strings('file_type', ['SOURCE', 'PRODUCT']) as FileType[], fileNames: q.strings('file_name'),
      workspaceIds: q.ints('workspace_id', { min: 1 }), jobIds: q.ints('job_id', { min: 1 }),
      ...(isV6(req) ? v6FileFilters(q) : {}),
    });
    res.json(paged(req, page, list, isV6(req) ? await filesV6(core, list.rows) : fileJson));
  });
  r.post('/files/', async (req, res) => {
    if (!req.is('multipart/form-data')) throw new HttpError(415, 'upload a file as multipart/form-data with a part named "file"');
    const file = await receive(req, core, opts);
    res.status(201).location(`${req.baseUrl}/files/${file.id}/`).json(fileJson(file));
  });
  r.get('/files/:id/', async (req, res) => {
    const file = await core.files.get(idParam(req, 'id', 'file'));
    res.json(isV6(req) ? (await filesV6(core, [file]))(file) : fileJson(file));
  });
  r.get('/files/:id/content', async (req, res) => {
    const id = idParam(req, 'id', 'file');
    const file = await core.files.get(id);
    const range = parseRange(req.headers.range, file.fileSize);
    if (range === 'invalid') {
      res.status(416).set('Content-Range', `bytes */${file.fileSize}`).json({ detail: `the range ${req.headers.range} does not fit a file of ${file.fileSize} bytes` });
      return;
    }
    const { stream } = await core.files.open(id, range ?? undefined);
    res.status(range ? 206 : 200);
    res.set({
      'Content-Type': file.mediaType,
      'Content-Length': String(range ? range.end - range.start + 1 : file.fileSize),
      'Content-Disposition': contentDisposition(file.fileName),
      'Accept-Ranges': 'bytes',
      ...(file.checksum ? { ETag: `"${file.checksum}"` } : {}),
      ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${file.fileSize}` } : {}),
    });
    await pipeline(stream, res).catch(() => res.destroy());
  });
  return r;
}
