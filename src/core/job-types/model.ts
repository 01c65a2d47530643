// The internal model of what a job type takes and gives. Every wire format (Scale job interface
// 1.0, SEED manifests, OGC Application Packages and process descriptions, WPS descriptions, CWL
// tools) is a codec around this one shape (seed-mapping/).

export type InputKind = 'property' | 'file' | 'files' | 'json';
export type JsonType = 'array' | 'boolean' | 'integer' | 'number' | 'object' | 'string';

export interface InterfaceInput {
  name: string;
  kind: InputKind;
  required: boolean;
  /** Accepted media types for file inputs; empty accepts any. */
  mediaTypes: string[];
  /** For json inputs; none: any JSON value (CWL Any). */
  jsonType?: JsonType;
  /** A CWL value that may hold files (a record with a File field, a union, Any): given and staged as src/core/runs/embedded-files.ts says. */
  embedsFiles?: boolean;
  /** Reads only part of a large file (SEED `partial`). */
  partial?: boolean;
  /**
   * A json object input holding a bounding box ({bbox: [minx, miny, maxx, maxy], crs}): SEED and
   * Scale cannot say so, so an object input named `bbox`, `*_bbox` or `bounding_box` is one.
   */
  bbox?: boolean;
  /** A `files` input that is one directory (CWL Directory): its files, staged under one root. */
  directory?: boolean;
}

export type OutputKind = 'file' | 'files' | 'json';

export interface InterfaceOutput {
  name: string;
  kind: OutputKind;
  required: boolean;
  mediaType: string | null;
  /** Glob relative to the output directory (SEED); absent for results-manifest outputs (Scale 1.0). */
  pattern?: string;
  jsonType?: JsonType;
  jsonKey?: string;
  /** A `files` output that is one directory (CWL Directory): every file in it, their paths kept. */
  directory?: boolean;
}

export interface SeedMount {
  name: string;
  /** Absolute path inside the container. */
  path: string;
  mode: 'ro' | 'rw';
}

export interface SeedSetting {
  name: string;
  /** A secret's value is never stored or logged in clear. */
  secret: boolean;
}

/** A scalar resource: needed = value + inputMultiplier × input size in MiB. */
export interface SeedResource {
  name: string;
  value: number;
  inputMultiplier: number;
}

export interface SeedError {
  code: number;
  name: string;
  title: string;
  description: string;
  category: 'job' | 'data';
}

/**
 * One part of a command line built from bindings (OGC Application Package inputBindings): a fixed
 * argument, or an input's value(s) with an optional prefix. Parts are put
 * in `position` order (stable); an optional input that was not given adds nothing.
 */
export interface ArgBinding {
  position: number;
  literal?: string;
  input?: string;
  prefix?: string;
  /** Prefix and value as two arguments (true) or one (false). */
  separate: boolean;
  /** Several values (files of a multiple input, items of an array) joined into one argument. */
  itemSeparator?: string;
}

export interface JobInterface {
  /** The wire format this came from: Scale job interface 1.0, a SEED manifest, or CWL (run by cwltool). */
  format: 'scale-1.0' | 'seed' | 'cwl';
  /** CWL: the document cwltool runs, packed (`#main` the process). */
  cwl?: { document: Record<string, any>; files?: Record<string, string> };
  /** Scale 1.0: the program and any fixed arguments, never substituted. SEED: empty (the image's entrypoint runs). */
  command: string;
  /**
   * Scale 1.0: argument template with ${name}, ${prefix:name} and ${job_output_dir}.
   * SEED: the interface command, expanded from the environment ($VAR, ${VAR}).
   */
  commandArguments: string;
  inputs: InterfaceInput[];
  outputs: InterfaceOutput[];
  sharedResources: { name: string; type: string; required: boolean }[];
  mounts?: SeedMount[];
  settings?: SeedSetting[];
  /** SEED scalar resources (Scale 1.0 types keep theirs on the job type). */
  resources?: SeedResource[];
  /** SEED errors: exit code → named error with its category. */
  errors?: SeedError[];
  /**
   * A command line built from bindings instead of a template: the program (empty: the image's own
   * entrypoint) and its arguments. Deployed Application Packages' docker units use it.
   */
  bindings?: { baseCommand: string[]; args: ArgBinding[] };
  /** Where the command runs: its output directory (outputs are found relative to it). */
  workingDir?: 'output';
}

/** Exit code → error name (Scale error interface 1.0). */
export type ErrorMapping = Map<number, string>;

/** The scheduling facts of a job type that every job of it starts from. */
export interface JobTypeResources {
  cpus: number;
  mem: number;
  diskOutConst: number;
  diskOutMult: number;
}
