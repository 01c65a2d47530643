// The built-in job types the server defines for itself. `echo` is the test process of OGC API -
// Processes (18-062r2 /rec/core/test-process, and the process the OGC test suite executes): a
// string input echoed to an output of the same id, with an optional pause to allow async testing;
// a complex (file) or bounding-box input, when given, is what the message output echoes.
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./echo.mjs', import.meta.url));

/** The echo job type's SEED manifest; its command runs this Node.js on the script beside this file. */
export function echoManifest(): Record<string, unknown> {
  return {
    seedVersion: '1.0.0',
    job: {
      name: 'echo',
      jobVersion: '1.0.0',
      packageVersion: '1.0.0',
      title: 'Echo',
      description: 'Returns its message input as its message output, after an optional pause; fails when asked to. The test process of OGC API - Processes.',
      tags: ['ogc', 'test'],
      maintainer: { name: 'scale-ades', email: 'scale-ades@localhost' },
      timeout: 3600,
      resources: { scalar: [{ name: 'cpus', value: 0.1 }, { name: 'mem', value: 64 }, { name: 'disk', value: 1 }] },
      interface: {
        // SEED commands are split on spaces (no quoting): the paths must not contain any.
        command: `${process.execPath} ${SCRIPT}`,
        // A literal, a complex (file) and a bounding-box input, each echoed: what the OGC WPS 2.0
        // test suite looks for in the echo process's description.
        inputs: {
          files: [{ name: 'complex', required: false, mediaTypes: ['application/xml', 'text/xml', 'application/json', 'text/plain'] }],
          json: [
            { name: 'message', type: 'string', required: true },
            { name: 'pause', type: 'integer', required: false },
            { name: 'fail', type: 'boolean', required: false },
            { name: 'bbox', type: 'object', required: false },
          ],
        },
        // One output: the complex input's content when one is given, else the box as JSON when given, else the message.
        outputs: { json: [{ name: 'message', type: 'string', key: 'message', required: true }] },
      },
    },
  };
}
