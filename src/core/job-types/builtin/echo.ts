// The built-in job types the server defines for itself. `echo` is the test process of OGC API -
// Processes (18-062r2 /rec/core/test-process, and the process the OGC test suites execute): each
// input is echoed to the output of the same id (message always; bbox, object and the files when
// given), with an optional pause to allow async testing and a switch to make it fail.
//
// Its description is shaped for the requests the official suites build. ets-ogcapi-processes10
// (Jobs.addInput and its builders): message, a plain string, comes first (the suite sends
// "teststring" to the first input and asks for the output of that id); it sends {"value":
// "teststring"} to the first object input, so `object` (any object) precedes `bbox`; the first
// binary input (contentEncoding: binary) is sent a GeoTIFF, so `binary` takes any media type and is
// echoed byte for byte; `complex` takes only XML, JSON and text, so a wrong format is a 400.
// ets-wps20 (its Echo_Process_*.xml): the last literal string input (message) and the last complex
// input (complex: values come before files in the description), each sent alone.
import { ECHO_SCRIPT } from './programs.ts';

/** The echo job type's SEED manifest; its command runs this Node.js on the script beside this file (a local executor runs it in-process: programs.ts). */
export function echoManifest(): Record<string, unknown> {
  return {
    seedVersion: '1.0.0',
    job: {
      name: 'echo',
      jobVersion: '1.0.0',
      packageVersion: '1.0.0',
      title: 'Echo',
      description: 'Returns each input as the output of the same id (message always; bbox, object and the files binary and complex when given), after an optional pause; fails when asked to. The test process of OGC API - Processes.',
      tags: ['ogc', 'test'],
      maintainer: { name: 'scale-ades', email: 'scale-ades@localhost' },
      timeout: 3600,
      resources: { scalar: [{ name: 'cpus', value: 0.1 }, { name: 'mem', value: 64 }, { name: 'disk', value: 1 }] },
      interface: {
        // SEED commands are split on spaces (no quoting): the paths must not contain any.
        command: `${process.execPath} ${ECHO_SCRIPT}`,
        inputs: {
          files: [
            { name: 'binary', required: false },
            { name: 'complex', required: false, mediaTypes: ['application/xml', 'text/xml', 'application/json', 'text/plain'] },
          ],
          // message is optional: the WPS 2.0 suite's complex-input request sends that input alone.
          // object comes before bbox: the OGC suite sends {"value": …} to the first object input.
          json: [
            { name: 'message', type: 'string', required: false },
            { name: 'pause', type: 'integer', required: false },
            { name: 'fail', type: 'boolean', required: false },
            { name: 'object', type: 'object', required: false },
            { name: 'bbox', type: 'object', required: false },
          ],
        },
        // The file outputs keep the input's extension, so they keep its media type.
        outputs: {
          files: [
            { name: 'binary', pattern: 'binary*', required: false },
            { name: 'complex', pattern: 'complex*', required: false },
          ],
          json: [
            { name: 'message', type: 'string', key: 'message', required: true },
            { name: 'object', type: 'object', key: 'object', required: false },
            { name: 'bbox', type: 'object', key: 'bbox', required: false },
          ],
        },
      },
    },
  };
}
