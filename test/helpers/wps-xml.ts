// WPS XML in tests: the official XSDs (schemas/xsd, checked offline with xmllint --nonet), the
// namespaces requests declare, and an Execute request builder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const XSD = path.resolve(import.meta.dirname, '../../schemas/xsd');
export const WPS2_XSD = path.join(XSD, 'wps/2.0/wps.xsd');
export const WPS1_XSD = path.join(XSD, 'wps/1.0.0/wpsAll.xsd');
export const W2 = 'xmlns:wps="http://www.opengis.net/wps/2.0" xmlns:ows="http://www.opengis.net/ows/2.0" xmlns:xlink="http://www.w3.org/1999/xlink"';
export const W1 = 'xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink"';

export function xmllintAvailable(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return fs.existsSync(WPS2_XSD);
  } catch {
    return false;
  }
}

let scratch: string | null = null;
/** Validates a document with xmllint against an XSD; fails the test with xmllint's words otherwise. */
export function assertValid(xml: string, xsd: string, what: string): void {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'wps-xml-'));
  const file = path.join(scratch, `${what.replace(/\W+/g, '-')}.xml`);
  fs.writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--nonet', '--noout', '--schema', xsd, file], { stdio: 'pipe' });
  } catch (err) {
    assert.fail(`${what} does not validate against ${path.basename(xsd)}:\n${String((err as { stderr?: Buffer }).stderr ?? err)}\n${xml.slice(0, 2000)}`);
  }
}

/** A WPS 2.0 Execute document. */
export const exec2 = (body: string, attrs = 'mode="sync" response="document"', id = 'echo') => `<wps:Execute ${W2} service="WPS" version="2.0.0" ${attrs}><ows:Identifier>${id}</ows:Identifier>${body}</wps:Execute>`;
