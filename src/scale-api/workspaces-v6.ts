// /v6/workspaces/ as Scale 6.0.0 answers it (storage/views.py with WorkspaceSerializerV6 and
// WorkspaceDetailsSerializerV6): a workspace is created from a title (the name is made from it) and
// configured by `configuration` (v6) rather than json_config; an edit answers 204 with no body; the
// validation answers {is_valid, errors, warnings}. The other prefixes keep seed 002's shapes (workspaces.ts).
import type { Request, Response } from 'express';
import type { Core } from '../core/index.ts';
import type { Warning, Workspace, WorkspaceInput } from '../core/workspaces/service.ts';
import { slugify, titleToName } from '../core/title-name.ts';
import { Invalid } from '../errors.ts';
import { iso, maskedConfig } from './codecs.ts';
import { checked, idParam } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';
import { absoluteUrl, picked, renamed, scaleBool } from './rest-params.ts';

/** WorkspaceSerializerV6 (no sizes, `deprecated` for v5's `archived`); the details add the v6 configuration. */
export function workspaceV6Json(w: Workspace, detail = false) {
  return {
    id: w.id, name: w.name, title: w.title, description: w.description, base_url: w.baseUrl, is_active: w.isActive,
    created: iso(w.created), deprecated: iso(w.archived), last_modified: iso(w.lastModified),
    ...(detail ? { configuration: configurationV6(w.jsonConfig) } : {}),
  };
}

/** get_v6_configuration_json: the configuration without its schema version (a secret key masked, as in v5). */
function configurationV6(c: Workspace['jsonConfig']) {
  const { version: _version, ...rest } = maskedConfig(c);
  return rest;
}

/**
 * A v6 configuration as the core's json_config. Version "6" (or none) and "1.0" describe the same
 * broker; any other version is refused, as WorkspaceConfigurationV6 refuses it.
 */
function jsonConfigOf(c: Record<string, unknown>): Record<string, unknown> {
  const { version, ...rest } = c;
  if (version === undefined || version === '6') return rest;
  if (version === '1.0') return c;
  throw new Invalid('configuration.version', `${JSON.stringify(version)} is not a workspace configuration version (send "6")`);
}

const FIELDS = ['name', 'title', 'description', 'base_url', 'is_active', 'configuration'] as const;

/** The fields Scale's v6 views read, type-checked; is_active read as parse_bool reads it; null means not given. */
function v6Body(req: Request): Partial<Record<(typeof FIELDS)[number], any>> {
  const b = picked(req.body, FIELDS);
  if (b.is_active !== undefined) b.is_active = scaleBool('is_active', b.is_active);
  checked(b, 'scale-api/workspace-v6');
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== null));
}

/** The core's answer with its json_config fields named as v6 names them. */
async function asV6<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw renamed(err, 'json_config', 'configuration');
  }
}

const warningsV6 = (list: Warning[]) => list.map((w) => ({ name: w.id, description: w.details }));

export function workspacesV6(core: Core) {
  /** The name Scale makes from a title (title_to_name); a title with no letter or digit makes none. */
  async function nameFrom(title: string): Promise<string> {
    if (!slugify(title)) throw new Invalid('title', 'must hold a letter or digit: the workspace name is made from it');
    return titleToName(title, async (n) => (await core.workspaces.byName(n)) !== null);
  }

  function requireTitleAndConfiguration(b: ReturnType<typeof v6Body>): { title: string; configuration: Record<string, unknown> } {
    if (b.configuration === undefined) throw new Invalid('configuration', 'is required: a JSON object with the broker');
    if (b.title === undefined) throw new Invalid('title', 'is required');
    return { title: b.title, configuration: b.configuration };
  }

  return {
    async list(req: Request, res: Response) {
      const q = new Query(req);
      const page = q.list();
      // Scale 6 orders by name unless asked otherwise.
      const list = await core.workspaces.list({ ...page, order: page.order.length ? page.order : ['name'], ...q.range(), names: q.strings('name') });
      res.json(paged(req, page, list, (w) => workspaceV6Json(w)));
    },

    async get(req: Request, res: Response) {
      res.json(workspaceV6Json(await core.workspaces.get(idParam(req, 'id', 'workspace')), true));
    },

    async create(req: Request, res: Response) {
      const b = v6Body(req);
      const { title, configuration } = requireTitleAndConfiguration(b);
      const input: WorkspaceInput = {
        name: await nameFrom(title), title, description: b.description, base_url: b.base_url, is_active: b.is_active ?? true, json_config: jsonConfigOf(configuration),
      };
      const { workspace } = await asV6(() => core.workspaces.create(input));
      res.status(201).location(absoluteUrl(req, `/workspaces/${workspace.id}/`)).json(workspaceV6Json(workspace, true));
    },

    async edit(req: Request, res: Response) {
      const id = idParam(req, 'id', 'workspace');
      const b = v6Body(req);
      // An empty configuration changes nothing, as in Scale's _patch_v6.
      const configuration = b.configuration && Object.keys(b.configuration).length ? jsonConfigOf(b.configuration) : undefined;
      await asV6(() => core.workspaces.edit(id, { title: b.title, description: b.description, base_url: b.base_url, is_active: b.is_active, json_config: configuration }));
      res.status(204).end();
    },

    /**
     * Scale's _post_v6: title and configuration are required (400 without them); the name, made from
     * the title when not given, finds the workspace whose broker type would change (a warning). An
     * invalid configuration answers 400 with the problems as {name, description}.
     */
    async validate(req: Request, res: Response) {
      const b = v6Body(req);
      const { title, configuration } = requireTitleAndConfiguration(b);
      const name = b.name ?? (await nameFrom(title));
      const existing = await core.workspaces.byName(name);
      try {
        const warnings = await asV6(async () =>
          core.workspaces.validate({ ...(existing ? {} : { name }), base_url: b.base_url, json_config: jsonConfigOf(configuration) }, existing?.id),
        );
        res.json({ is_valid: true, errors: [], warnings: warningsV6(warnings) });
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        const errors = (err.details.length ? err.details : [{ field: err.field, message: err.field ? err.message.slice(err.field.length + 2) : err.message }]).map((d) => ({ name: d.field, description: d.message }));
        res.status(400).json({ is_valid: false, errors, warnings: [] });
      }
    },
  };
}
