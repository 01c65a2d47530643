// /configuration/: export errors, job types and recipe types as one document and import such a
// document elsewhere (seed 002 Import/Export, configuration 1.0). /configuration/upload/ takes the
// document as a file (multipart field "import", or the raw body named by X-File-Name).
import busboy from 'busboy';
import { Router, type Request } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import type { ExportFilter } from '../core/configuration/service.ts';
import { body, HttpError } from './http.ts';
import { Query } from './params.ts';

function exportFilter(req: Request): ExportFilter {
  const q = new Query(req);
  return {
    include: q.strings('include', ['recipe_types', 'job_types', 'errors']) as ExportFilter['include'],
    recipeTypeIds: q.ints('recipe_type_id', { min: 1 }), recipeTypeNames: q.strings('recipe_type_name'),
    jobTypeIds: q.ints('job_type_id', { min: 1 }), jobTypeNames: q.strings('job_type_name'), jobTypeCategories: q.strings('job_type_category'),
    errorIds: q.ints('error_id', { min: 1 }), errorNames: q.strings('error_name'),
  };
}

/** Problems as Scale's validation lists them. */
const listed = (err: Invalid) => (err.details.length ? err.details : [{ field: err.field, message: err.message }]).map((d) => ({ name: d.field, description: d.message }));

export function configurationRouter(core: Core): Router {
  const r = Router();

  r.get('/configuration/', async (req, res) => {
    res.json(await core.configuration.exportConfiguration(exportFilter(req)));
  });

  r.get('/configuration/download/', async (req, res) => {
    const doc = await core.configuration.exportConfiguration(exportFilter(req));
    res.attachment(`scale-configuration-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`).type('application/json').send(JSON.stringify(doc, null, 2));
  });

  r.post('/configuration/', async (req, res) => {
    const b = body<{ import: unknown }>(req, 'scale-api/configuration-import');
    res.json(await core.configuration.importConfiguration(b.import));
  });

  r.post('/configuration/validation/', async (req, res) => {
    try {
      const b = body<{ import: unknown }>(req, 'scale-api/configuration-import');
      const { warnings } = await core.configuration.importConfiguration(b.import, { dryRun: true });
      res.json({ is_valid: true, errors: [], warnings });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      res.status(400).json({ detail: err.message, is_valid: false, errors: listed(err), warnings: [] });
    }
  });

  return r;
}

/** Reads the uploaded document: the multipart part named "import" (or the only file), or the raw body. */
function readUpload(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooBig = () => new HttpError(413, `the uploaded configuration is larger than the limit of ${limit} bytes`);
    if (!req.is('multipart/form-data')) {
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          req.removeAllListeners('data');
          req.resume();
          reject(tooBig());
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
      return;
    }
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: limit, fields: 5, parts: 6 } });
    } catch (err) {
      reject(new HttpError(400, `malformed multipart upload: ${(err as Error).message}`));
      return;
    }
    let found = false;
    bb.on('file', (name, stream) => {
      // A form cut short (no closing boundary) errors the part's stream too: unheard, that error killed the process.
      stream.on('error', (err) => reject(new HttpError(400, `malformed multipart upload: ${err.message}`)));
      if (found || (name !== 'import' && name !== 'file')) {
        stream.resume();
        return;
      }
      found = true;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => reject(tooBig()));
    });
    bb.on('field', (name, value) => {
      // A form may send the document as a plain field too.
      if (name === 'import' && !found) {
        found = true;
        chunks.push(Buffer.from(value));
      }
    });
    bb.on('close', () => (found ? resolve(Buffer.concat(chunks)) : reject(new Invalid('import', 'is required: send the exported document as the multipart file "import"'))));
    bb.on('error', (err) => reject(new HttpError(400, `malformed multipart upload: ${(err as Error).message}`)));
    req.pipe(bb);
  });
}

/** Mounted before the JSON body parser: the document arrives as a file. */
export function configurationUploadRouter(core: Core, opts: { maxBodyBytes: number }): Router {
  const r = Router();
  r.post('/configuration/upload/', async (req, res) => {
    const raw = await readUpload(req, opts.maxBodyBytes);
    let doc: unknown;
    try {
      doc = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new Invalid('import', `is not a JSON document: ${(err as Error).message}`);
    }
    // The file is either the exported document itself or an import request wrapping it.
    const wrapped = doc && typeof doc === 'object' && !Array.isArray(doc) && Object.keys(doc).length === 1 && 'import' in doc;
    res.json(await core.configuration.importConfiguration(wrapped ? (doc as { import: unknown }).import : doc));
  });
  return r;
}
