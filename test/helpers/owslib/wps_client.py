"""OWSLib's WPS 1.0.0 client against a server, for test/owslib.test.ts.

    wps_client.py caps URL
    wps_client.py describe URL ID [ID ...]
    wps_client.py execute-ref URL PROCESS INPUT HREF OUTPUT [MIMETYPE]   # async, polled to the end
    wps_client.py execute-literal URL PROCESS INPUT VALUE OUTPUT [sync|async]  # output by value

URL is the WPS endpoint (…/wps). Prints one JSON document on stdout: what OWSLib parsed. On an
error, prints the traceback and the XML document OWSLib was reading to stderr and exits 1.
"""
import json
import logging
import sys
import time
import traceback
import urllib.parse
import urllib.request

from owslib.etree import etree
from owslib.wps import ASYNC, SYNC, ComplexDataInput, WebProcessingService, WPSExecution

logging.basicConfig(stream=sys.stderr, level=logging.ERROR)
TIMEOUT = 60
# The last URL read (and body posted) and the document it answered, for the error report.
last = {'url': None, 'body': None}


def fetch(url, data=None):
    req = urllib.request.Request(url, data=data, headers={'Content-Type': 'text/xml'} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as res:
            return res.status, res.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace')


def fail(message):
    print(message, file=sys.stderr)
    print(traceback.format_exc(), file=sys.stderr)
    if last['url']:
        status, text = fetch(last['url'], last['body'])
        print(f'--- the document at {last["url"]} (HTTP {status}):', file=sys.stderr)
        print(text[:20000], file=sys.stderr)
    sys.exit(1)


def kvp(url, **params):
    return f'{url}?{urllib.parse.urlencode(params)}'


def formats(io):
    return [v.mimeType if hasattr(v, 'mimeType') else v for v in io.supportedValues]


def default(io):
    d = io.defaultValue
    return d.mimeType if hasattr(d, 'mimeType') else d


def describe_io(io, is_input):
    d = {
        'identifier': io.identifier,
        'title': getattr(io, 'title', None),
        'abstract': io.abstract,
        'dataType': io.dataType,
        'formats': formats(io),
        'default': default(io),
        'allowedValues': io.allowedValues,
        'anyValue': io.anyValue,
    }
    if is_input:
        d['minOccurs'] = io.minOccurs
        d['maxOccurs'] = io.maxOccurs
    return d


def output_doc(o):
    return {
        'identifier': o.identifier,
        'reference': o.reference,
        'mimeType': o.mimeType,
        'dataType': o.dataType,
        'data': [x if isinstance(x, str) else str(x) for x in o.data],
    }


def main(argv):
    command, url = argv[1], argv[2]
    if command == 'caps':
        last['url'] = kvp(url, service='WPS', request='GetCapabilities', version='1.0.0')
        try:
            wps = WebProcessingService(url, version='1.0.0', timeout=TIMEOUT)
        except Exception:
            fail('GetCapabilities failed')
        return {
            'version': wps.version,
            'title': wps.identification.title,
            'type': wps.identification.type,
            'provider': wps.provider.name if wps.provider else None,
            'operations': [op.name for op in wps.operations],
            'processes': [{'identifier': p.identifier, 'title': p.title, 'processVersion': p.processVersion} for p in wps.processes],
        }

    wps = WebProcessingService(url, version='1.0.0', skip_caps=True, timeout=TIMEOUT)
    if command == 'describe':
        out = {}
        for identifier in argv[3:]:
            last['url'] = kvp(url, service='WPS', request='DescribeProcess', version='1.0.0', identifier=identifier)
            try:
                p = wps.describeprocess(identifier)
            except Exception:
                fail(f'DescribeProcess {identifier} failed')
            out[identifier] = {
                'identifier': p.identifier,
                'title': p.title,
                'abstract': p.abstract,
                'processVersion': p.processVersion,
                'statusSupported': p.statusSupported,
                'storeSupported': p.storeSupported,
                'inputs': [describe_io(i, True) for i in p.dataInputs],
                'outputs': [describe_io(o, False) for o in p.processOutputs],
            }
        return out

    if command in ('execute-ref', 'execute-literal'):
        if command == 'execute-ref':
            process, input_id, href, output_id = argv[3:7]
            mime = argv[7] if len(argv) > 7 else None
            inputs, output, mode = [(input_id, ComplexDataInput(href, mimeType=mime))], [(output_id, True)], ASYNC
        else:
            process, input_id, value, output_id = argv[3:7]
            inputs, output = [(input_id, value)], [(output_id, False)]
            mode = ASYNC if len(argv) > 7 and argv[7] == 'async' else SYNC
        # The request OWSLib builds, kept for the error report; OWSLib's default mode is ASYNC
        # (storeExecuteResponse="true" status="true").
        request = etree.tostring(WPSExecution(version='1.0.0', url=url).buildRequest(process, inputs, output, mode=mode))
        last['url'], last['body'] = url, request
        try:
            execution = wps.execute(process, inputs, output=output, mode=mode, request=request)
        except Exception:
            fail('Execute failed')
        first = {'status': execution.status, 'statusLocation': execution.statusLocation}
        deadline = time.time() + TIMEOUT
        try:
            # monitorExecution(execution) with a short period and a deadline: OWSLib's own loop
            # spins forever when a status document cannot be read.
            while not execution.isComplete():
                if time.time() > deadline:
                    raise TimeoutError(f'still {execution.status} after {TIMEOUT} s')
                time.sleep(0.3)
                last['url'], last['body'] = execution.statusLocation, None
                execution.checkStatus(sleepSecs=0)
        except Exception:
            fail(f'status polling failed (statusLocation {execution.statusLocation})')
        result = {
            'request': request.decode(),
            'first': first,
            'status': execution.status,
            'percentCompleted': execution.percentCompleted,
            'errors': [{'code': e.code, 'locator': e.locator, 'text': e.text} for e in execution.errors],
            'outputs': [output_doc(o) for o in execution.processOutputs],
            'content': None,
        }
        if execution.isSucceeded() and execution.processOutputs and execution.processOutputs[0].reference:
            status, text = fetch(execution.processOutputs[0].reference)
            result['contentStatus'] = status
            result['content'] = text
        return result

    raise SystemExit(f'unknown command {command}')


if __name__ == '__main__':
    print(json.dumps(main(sys.argv), indent=1, default=str))
