// The OGC process description a deployed job type was given (an Application Package's), or the
// one its CWL tool makes: richer (titles, schemas, formats) than one derived from its interface.
import { cwlTool } from '../../seed-mapping/cwl-tool.ts';
import type { JobType } from '../../src/core/job-types/service.ts';

export function deployedDescription(jt: JobType): Record<string, unknown> | undefined {
  if (jt.interfaceKind === 'ogcapppkg') return (jt.interface as { process?: Record<string, unknown> }).process;
  if (jt.interfaceKind === 'cwl') {
    const s = jt.interface as any;
    return cwlTool(s.tool, s.processId, s.inherited, s.namespaces).value?.process;
  }
  return undefined;
}
