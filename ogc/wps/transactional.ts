// WPS-T (Testbed-13/14, REFERENCE.md §5.1): DeployProcess and UndeployProcess as WPS 2.0 XML,
// in both forms seen in the wild (wps:ProcessOffering + wps:DeploymentProfile, and
// ProcessDescription / ExecutionUnit / DeploymentProfileName). The XML becomes the Testbed-14 JSON
// Application Package and goes through the core's deploy service, as OGC API Part 2 deploys do: the
// same checks, the same job types, the same deploy scope. No XSD exists for WPS-T: the answers are
// small documents in the WPS 2.0 namespace.
import type { DeployService } from '../../src/core/deploy/service.ts';
import { WorkflowNotFound } from '../../src/core/job-types/cwl-packages.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import { DomainError } from '../../src/errors.ts';
import type { Urls } from '../../src/http/urls.ts';
import { describe } from '../../seed-mapping/process-description.ts';
import { summary2, wpsProcess } from '../../seed-mapping/wps-process.ts';
import { DEPLOYMENT_PROFILES } from './documents.ts';
import { WpsError, type WpsVersion } from './errors.ts';
import type { WpsAnswer } from './service.ts';
import { attr, child, children, el, NS, tx, XML_DECL, type XNode } from './xml.ts';

const CWL_ROLE = /applicationContext\/cwl$/;

export type WpsTransactions = ReturnType<typeof createWpsTransactions>;

/** A wps:Input / wps:Output description as the Testbed-14 JSON form ({id, title, formats, literalDataDomains, occurs}). */
function paramJson(n: XNode, isInput: boolean): Record<string, unknown> {
  const id = child(n, 'Identifier', NS.ows2)?.text.trim() ?? '';
  const complex = child(n, 'ComplexData', NS.wps2);
  const literal = child(n, 'LiteralData', NS.wps2);
  const out: Record<string, unknown> = { id, title: child(n, 'Title', NS.ows2)?.text.trim() || id };
  const abstract = child(n, 'Abstract', NS.ows2)?.text.trim();
  if (abstract) out.abstract = abstract;
  if (complex) out.formats = children(complex, 'Format', NS.wps2).map((f) => ({ mimeType: attr(f, 'mimeType') ?? 'application/octet-stream', default: attr(f, 'default') === 'true' }));
  else if (literal) {
    const domain = child(literal, 'LiteralDataDomain');
    const type = domain ? child(domain, 'DataType', NS.ows2)?.text.trim() : undefined;
    out.literalDataDomains = [{ dataType: { name: type ?? 'string' } }];
  } else out.literalDataDomains = [{ dataType: { name: 'string' } }];
  if (isInput) {
    out.minOccurs = attr(n, 'minOccurs') ?? '1';
    out.maxOccurs = attr(n, 'maxOccurs') ?? '1';
  }
  return out;
}

/** DeployProcess XML → the Testbed-14 JSON Application Package the Part 2 deployer reads. */
export function packageOfDeployXml(root: XNode): Record<string, unknown> {
  const description = child(root, 'ProcessDescription', NS.wps2) ?? child(root, 'ProcessDescription');
  const offering = child(root, 'ProcessOffering', NS.wps2) ?? (description && (child(description, 'ProcessOffering', NS.wps2) ?? child(description, 'ProcessOffering')));
  const process = offering && child(offering, 'Process', NS.wps2);
  if (!process) throw new WpsError('MissingParameterValue', 'DeployProcess needs a wps:ProcessOffering with a wps:Process', 'ProcessOffering');
  const id = child(process, 'Identifier', NS.ows2)?.text.trim();
  if (!id) throw new WpsError('MissingParameterValue', 'the process needs an ows:Identifier', 'Identifier');
  const profileNode = child(root, 'DeploymentProfile', NS.wps2);
  const profile = (profileNode ? child(profileNode, 'DeploymentProfileName', NS.wps2) : (child(root, 'DeploymentProfileName', NS.wps2) ?? child(root, 'DeploymentProfileName')))?.text.trim();
  if (profile && !DEPLOYMENT_PROFILES.includes(profile)) throw new WpsError('InvalidParameterValue', `deployment profile ${profile} is not supported: ${DEPLOYMENT_PROFILES.join(', ')}`, 'DeploymentProfileName');
  const unitNode = (profileNode && child(profileNode, 'ExecutionUnit', NS.wps2)) ?? child(root, 'ExecutionUnit', NS.wps2) ?? child(root, 'ExecutionUnit');
  const ref = unitNode && (child(unitNode, 'Reference', NS.wps2) ?? child(unitNode, 'Reference'));
  const href = ref && (attr(ref, 'href', NS.xlink) ?? attr(ref, 'href'));
  const cwlMeta = children(process, 'Metadata', NS.ows2).find((m) => CWL_ROLE.test(attr(m, 'role', NS.xlink) ?? ''));
  const cwlHref = cwlMeta && attr(cwlMeta, 'href', NS.xlink);
  let unit: Record<string, unknown>;
  if (profile === DEPLOYMENT_PROFILES[1] || (!href && cwlHref)) {
    const cwl = href ?? cwlHref;
    if (!cwl) throw new WpsError('MissingParameterValue', 'a workflow deployment needs the CWL by reference (wps:ExecutionUnit/wps:Reference or an applicationContext/cwl ows:Metadata)', 'ExecutionUnit');
    unit = { href: cwl, type: 'application/cwl' };
  } else if (href) unit = /^https?:\/\//.test(href) || /\.cwl$/.test(href) ? { href, type: 'application/cwl' } : { href };
  else throw new WpsError('MissingParameterValue', 'DeployProcess needs an execution unit: wps:ExecutionUnit with a wps:Reference (a Docker image, or CWL)', 'ExecutionUnit');
  const abstract = child(process, 'Abstract', NS.ows2)?.text.trim();
  const keywords = child(process, 'Keywords', NS.ows2);
  return {
    processDescription: {
      process: {
        id, title: child(process, 'Title', NS.ows2)?.text.trim() || id, ...(abstract ? { abstract } : {}),
        ...(keywords ? { keywords: children(keywords, 'Keyword', NS.ows2).map((k) => k.text.trim()) } : {}),
        inputs: children(process, 'Input', NS.wps2).map((i) => paramJson(i, true)),
        outputs: children(process, 'Output', NS.wps2).map((o) => paramJson(o, false)),
      },
      processVersion: attr(offering!, 'processVersion') ?? '1.0.0',
      ...(attr(offering!, 'jobControlOptions') ? { jobControlOptions: attr(offering!, 'jobControlOptions')!.split(/\s+/) } : {}),
      ...(attr(offering!, 'outputTransmission') ? { outputTransmission: attr(offering!, 'outputTransmission')!.split(/\s+/) } : {}),
    },
    executionUnit: [unit],
    ...(profile ? { deploymentProfileName: profile } : {}),
  };
}

/** A refusal of the deploy service as the WPS exception it is. */
function asWps(err: unknown): unknown {
  if (!(err instanceof DomainError)) return err;
  const field = (err as DomainError & { field?: string | null }).field ?? undefined;
  if (err instanceof WorkflowNotFound) return new WpsError('NoSuchProcess', err.message, field);
  if (err.kind === 'invalid') return new WpsError('InvalidParameterValue', err.message, field);
  if (err.kind === 'conflict') return new WpsError('DuplicatedProcess', err.message, undefined, 409);
  if (err.kind === 'forbidden') return new WpsError('ImmutableProcess', err.message, undefined, 403);
  if (err.kind === 'not-found') return new WpsError('NoSuchProcess', err.message);
  if (err.kind === 'too-large') return new WpsError('SizeExceeded', err.message, undefined, 413);
  return err;
}

/** DeployProcess and UndeployProcess; the caller (the router) has checked the deploy scope. */
export function createWpsTransactions(deps: { deploy: DeployService; runs: RunService }) {
  const xml = (body: string): WpsAnswer => ({ status: 200, contentType: 'application/xml; charset=utf-8', body });
  const ns = { 'xmlns:wps': NS.wps2, 'xmlns:ows': NS.ows2 };
  return {
    async deploy(root: XNode, _v: WpsVersion, u: Urls): Promise<WpsAnswer> {
      try {
        const pkg = packageOfDeployXml(root);
        const d = await deps.deploy.deploy({ text: JSON.stringify(pkg), mediaType: 'application/json', w: null });
        const e = await deps.runs.processes.resolve(deps.deploy.idOf(d));
        const summary = e ? summary2(wpsProcess(describe(e, u, true))) : '';
        return xml(XML_DECL + el('wps:DeployResult', ns, tx('wps:DeploymentDone', 'true'), summary));
      } catch (err) {
        throw asWps(err);
      }
    },
    async undeploy(id: string, _v: WpsVersion): Promise<WpsAnswer> {
      try {
        await deps.deploy.undeploy(id);
        return xml(XML_DECL + el('wps:UndeployResult', ns, tx('wps:UndeploymentDone', 'true'), tx('ows:Identifier', id)));
      } catch (err) {
        throw asWps(err);
      }
    },
  };
}
