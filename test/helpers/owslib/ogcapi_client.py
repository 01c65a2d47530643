"""OWSLib's OGC API - Processes client against a server, for test/owslib.test.ts.

    ogcapi_client.py URL PROCESS INPUT VALUE

URL is the landing page. Lists the processes, describes PROCESS and, when the installed OWSLib can
(Processes.execute appeared in OWSLib 0.28; Debian bookworm's 0.27 has only processes() and
process()), executes it with {INPUT: VALUE}. Prints one JSON document; on an error, the traceback
on stderr and exit 1.
"""
import json
import sys
import traceback

import owslib
from owslib.ogcapi.processes import Processes


def main(argv):
    url, process_id, input_id, value = argv[1:5]
    api = Processes(url, timeout=60)
    listed = api.processes()
    described = api.process(process_id)
    result = {
        'owslib': owslib.__version__,
        'conformsTo': len(api.conformance().get('conformsTo', [])),
        'processes': [{'id': p.get('id'), 'title': p.get('title'), 'version': p.get('version')} for p in listed.get('processes', [])],
        'process': {
            'id': described.get('id'),
            'title': described.get('title'),
            'inputs': {k: v.get('schema') for k, v in described.get('inputs', {}).items()},
            'outputs': {k: v.get('schema') for k, v in described.get('outputs', {}).items()},
            'jobControlOptions': described.get('jobControlOptions'),
        },
        'execute': None,
    }
    if hasattr(api, 'execute'):
        result['execute'] = api.execute(process_id, {'inputs': {input_id: value}})
    return result


if __name__ == '__main__':
    try:
        print(json.dumps(main(sys.argv), indent=1, default=str))
    except Exception:
        traceback.print_exc()
        sys.exit(1)
