// Strike and Scan configurations (Strike 1.0, 2.0 and v6; Scan 1.0 and v6, checked with Scale's own
// schemas) read into one IngestConfig: where files are found, how the monitor or scanner works, and
// the ordered rules that say where each file goes.
import path from 'node:path';
import { check } from '../../schemas.ts';
import { Invalid } from '../../errors.ts';
import type { Queryable } from '../../store/db.ts';

export interface IngestRule {
  /** The regex source (first match wins). */
  regex: string;
  dataTypes: string[];
  /** The workspace the file goes to (null: the one it was found in). */
  newWorkspace: string | null;
  /** The folder it goes to, before the YYYY/MM/DD of the day it is ingested. */
  newFilePath: string | null;
}

export type IngestSource =
  /** Strike 1.0: a directory on this machine (its `mount`). */
  | { kind: 'dir'; dir: string }
  /** Strike 2.0/v6 and Scan: the root of a workspace (a host directory, or an S3 bucket). */
  | { kind: 'workspace'; workspace: string };

export interface IngestConfig {
  version: string;
  source: IngestSource;
  /** dir-watcher: files still being copied end with this suffix; s3: the bucket is polled. */
  monitor: { type: 'dir-watcher'; transferSuffix: string } | { type: 's3' } | { type: 'scan'; recursive: boolean };
  rules: IngestRule[];
  recipe: { name: string; revisionNum: number | null } | null;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function rulesOf(items: any[], v1: boolean): IngestRule[] {
  return items.map((r, i) => {
    const field = `configuration.files_to_ingest[${i}]`;
    try {
      new RegExp(r.filename_regex);
    } catch (err) {
      throw new Invalid(`${field}.filename_regex`, `is not a valid regular expression: ${(err as Error).message}`);
    }
    const newFilePath = v1 ? r.workspace_path : (r.new_file_path ?? null);
    if (newFilePath !== null) {
      const parts = String(newFilePath).split(/[\\/]+/).filter(Boolean);
      if (path.isAbsolute(newFilePath) || parts.includes('..')) throw new Invalid(`${field}.${v1 ? 'workspace_path' : 'new_file_path'}`, "must be a relative path without '..'");
    }
    return { regex: r.filename_regex, dataTypes: r.data_types ?? [], newWorkspace: v1 ? r.workspace_name : (r.new_workspace ?? null), newFilePath: newFilePath === null ? null : String(newFilePath).split(/[\\/]+/).filter(Boolean).join('/') };
  });
}

/** A Strike configuration in any of Scale's versions. */
export function readStrikeConfig(json: unknown): IngestConfig {
  if (!isObject(json)) throw new Invalid('configuration', 'is required: a Strike configuration object');
  const v1 = json.version === '1.0' || (json.version === undefined && 'mount' in json);
  if (json.version !== undefined && !['1.0', '2.0', '6'].includes(json.version)) throw new Invalid('configuration.version', `${JSON.stringify(json.version)} is not a Strike configuration version: 1.0, 2.0 or 6`);
  const version = v1 ? '1.0' : json.version === '2.0' ? '2.0' : '6';
  // Scale 6 reads a 2.0 configuration as a v6 one (StrikeConfigurationV6 relabels it), recipe and all.
  const problems = check(`scale/strike-configuration-${v1 ? '1.0' : '6'}`, json, 'configuration');
  if (problems.length) throw Invalid.many(problems);
  if (v1) {
    // host:/path (NFS) or a plain path: here, a directory this server can read.
    const dir = String(json.mount).replace(/^[^/:]+:(?=\/)/, '');
    if (!path.isAbsolute(dir) || dir.split('/').includes('..')) throw new Invalid('configuration.mount', "must be an absolute directory (host:/path or /path) without '..'");
    return { version, source: { kind: 'dir', dir }, monitor: { type: 'dir-watcher', transferSuffix: json.transfer_suffix }, rules: rulesOf(json.files_to_ingest, true), recipe: null };
  }
  const m = json.monitor;
  let monitor: IngestConfig['monitor'];
  if (m.type === 'dir-watcher') {
    if (m.transfer_suffix !== undefined && (typeof m.transfer_suffix !== 'string' || !m.transfer_suffix)) throw new Invalid('configuration.monitor.transfer_suffix', 'must be a non-empty string');
    monitor = { type: 'dir-watcher', transferSuffix: m.transfer_suffix ?? '_tmp' };
  } else if (m.type === 's3') monitor = { type: 's3' };
  else throw new Invalid('configuration.monitor.type', `${JSON.stringify(m.type)} is not a monitor type: dir-watcher or s3`);
  return { version, source: { kind: 'workspace', workspace: json.workspace }, monitor, rules: rulesOf(json.files_to_ingest, false), recipe: json.recipe ? { name: json.recipe.name, revisionNum: json.recipe.revision_num ?? null } : null };
}

/** A Scan configuration (1.0 or v6). */
export function readScanConfig(json: unknown): IngestConfig {
  if (!isObject(json)) throw new Invalid('configuration', 'is required: a Scan configuration object');
  if (json.version !== undefined && !['1.0', '6'].includes(json.version)) throw new Invalid('configuration.version', `${JSON.stringify(json.version)} is not a Scan configuration version: 1.0 or 6`);
  const version = json.version === '1.0' ? '1.0' : '6';
  // Scale 6 reads a 1.0 configuration as a v6 one (ScanConfigurationV6 relabels it), recipe and all.
  const problems = check('scale/scan-configuration-6', json, 'configuration');
  if (problems.length) throw Invalid.many(problems);
  if (!['dir', 's3'].includes(json.scanner.type)) throw new Invalid('configuration.scanner.type', `${JSON.stringify(json.scanner.type)} is not a scanner type: dir or s3`);
  return { version, source: { kind: 'workspace', workspace: json.workspace }, monitor: { type: 'scan', recursive: json.recursive === true }, rules: rulesOf(json.files_to_ingest, false), recipe: json.recipe ? { name: json.recipe.name, revisionNum: json.recipe.revision_num ?? null } : null };
}

/** The recipe type a configuration names must exist, at that revision (Scale's configuration validate()). */
export async function checkIngestRecipe(db: Queryable, c: IngestConfig): Promise<void> {
  if (!c.recipe) return;
  const res = await db.query(
    `SELECT 1 FROM recipe_type t JOIN recipe_type_revision r ON r.recipe_type_id = t.id WHERE t.name = $1 AND ($2::int IS NULL OR r.revision_num = $2) LIMIT 1`,
    [c.recipe.name, c.recipe.revisionNum],
  );
  if (!res.rows.length) throw new Invalid('configuration.recipe', `recipe type ${JSON.stringify(c.recipe.name)}${c.recipe.revisionNum === null ? '' : ` revision ${c.recipe.revisionNum}`} does not exist`);
}

/** The first rule a file name matches, or null (the file is deferred). */
export function matchRule(rules: IngestRule[], fileName: string): IngestRule | null {
  return rules.find((r) => new RegExp(r.regex).test(fileName)) ?? null;
}

/** Where an ingested file goes: the rule's folder, then the day it is ingested (Scale: YYYY/MM/DD), then its name. */
export function targetPath(rule: IngestRule, fileName: string, now: Date): string {
  const day = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${String(now.getUTCDate()).padStart(2, '0')}`;
  return [rule.newFilePath, day, fileName].filter(Boolean).join('/');
}
