// The internal model of what a job type takes and gives. Every wire format (Scale job interface
// 1.0 today; SEED, OGC and WPS descriptions later) is a codec around this one shape.

export type InputKind = 'property' | 'file' | 'files' | 'json';
export type JsonType = 'array' | 'boolean' | 'integer' | 'number' | 'object' | 'string';

export interface InterfaceInput {
  name: string;
  kind: InputKind;
  required: boolean;
  /** Accepted media types for file inputs; empty accepts any. */
  mediaTypes: string[];
  /** For json inputs. */
  jsonType?: JsonType;
  /** Reads only part of a large file (SEED `partial`). */
  partial?: boolean;
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
}

export interface JobInterface {
  /** The wire format this came from, so it can be given back unchanged. */
  format: 'scale-1.0';
  /** The program and any fixed arguments; never substituted (Scale 1.0 semantics). */
  command: string;
  /** Argument template with ${name}, ${prefix:name} and ${job_output_dir}. */
  commandArguments: string;
  inputs: InterfaceInput[];
  outputs: InterfaceOutput[];
  sharedResources: { name: string; type: string; required: boolean }[];
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
