"""PyWPS side of the WPS benchmark (bench/wps.ts) and of the OWSLib harness checks.

Twelve processes shaped like the job types the bench registers on our server: literal echoes,
complex (file) inputs and outputs, and bounding boxes. `application` is the WSGI app gunicorn
serves: PyWPS's Service at /wps, and the output directory at /outputs/ so output references resolve.
"""
import json
import mimetypes
import os

from pywps import (BoundingBoxInput, BoundingBoxOutput, ComplexInput, ComplexOutput, Format,
                   LiteralInput, LiteralOutput, Process, Service)
from pywps.inout.formats import FORMATS

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = Format('text/plain')
JSON = Format('application/json')


def literal_echo(identifier, data_type, title):
    def handler(request, response):
        response.outputs['result'].data = request.inputs['value'][0].data
        return response

    return Process(handler, identifier=identifier, title=title, version='1.0',
                   abstract=f'Returns its {data_type} input.',
                   inputs=[LiteralInput('value', 'Value', data_type=data_type)],
                   outputs=[LiteralOutput('result', 'Result', data_type=data_type)],
                   store_supported=True, status_supported=True)


def echo():
    # The same interface as our built-in echo: message, optional pause and fail.
    def handler(request, response):
        response.outputs['message'].data = request.inputs['message'][0].data
        return response

    return Process(handler, identifier='echo', title='Echo', version='1.0.0',
                   abstract='Returns its message input as its message output.',
                   inputs=[LiteralInput('message', 'message', data_type='string'),
                           LiteralInput('pause', 'pause', data_type='integer', min_occurs=0),
                           LiteralInput('fail', 'fail', data_type='boolean', min_occurs=0)],
                   outputs=[LiteralOutput('message', 'message', data_type='string')],
                   store_supported=True, status_supported=True)


def add():
    def handler(request, response):
        response.outputs['sum'].data = request.inputs['a'][0].data + request.inputs['b'][0].data
        return response

    return Process(handler, identifier='add', title='Add', version='1.0',
                   inputs=[LiteralInput('a', 'a', data_type='integer'), LiteralInput('b', 'b', data_type='integer')],
                   outputs=[LiteralOutput('sum', 'sum', data_type='integer')],
                   store_supported=True, status_supported=True)


def word_count():
    def handler(request, response):
        response.outputs['count'].data = len(request.inputs['text'][0].data.split())
        return response

    return Process(handler, identifier='word-count', title='Word count', version='1.0',
                   inputs=[ComplexInput('text', 'Text', supported_formats=[TEXT])],
                   outputs=[LiteralOutput('count', 'count', data_type='integer')],
                   store_supported=True, status_supported=True)


def upper():
    def handler(request, response):
        response.outputs['upper'].data = request.inputs['input_file'][0].data.upper()
        return response

    return Process(handler, identifier='upper', title='Upper case', version='1.0',
                   inputs=[ComplexInput('input_file', 'Text file', supported_formats=[TEXT])],
                   outputs=[ComplexOutput('upper', 'Upper-cased text', supported_formats=[TEXT], as_reference=True)],
                   store_supported=True, status_supported=True)


def produce():
    # Like the tests' produce job type: a message and a text file in, a text file out.
    def handler(request, response):
        response.outputs['upper'].data = request.inputs['input_file'][0].data.upper()
        response.outputs['notes'].data = request.inputs['message'][0].data
        return response

    return Process(handler, identifier='produce', title='Produce', version='1.0',
                   inputs=[LiteralInput('message', 'message', data_type='string'),
                           ComplexInput('input_file', 'input file', supported_formats=[TEXT])],
                   outputs=[ComplexOutput('upper', 'upper', supported_formats=[TEXT], as_reference=True),
                            ComplexOutput('notes', 'notes', supported_formats=[TEXT], as_reference=True)],
                   store_supported=True, status_supported=True)


def reproject():
    def handler(request, response):
        response.outputs['output_image'].file = request.inputs['image'][0].file
        return response

    return Process(handler, identifier='reproject', title='Reproject', version='1.0',
                   inputs=[ComplexInput('image', 'Image', supported_formats=[FORMATS.GEOTIFF, Format('image/png'), Format('image/jpeg')]),
                           LiteralInput('crs', 'Target CRS', data_type='string', allowed_values=['EPSG:4326', 'EPSG:3857'])],
                   outputs=[ComplexOutput('output_image', 'Reprojected image', supported_formats=[FORMATS.GEOTIFF], as_reference=True)],
                   store_supported=True, status_supported=True)


def merge_json():
    def handler(request, response):
        merged = {}
        for i in request.inputs['document']:
            merged.update(json.loads(i.data))
        response.outputs['merged'].data = json.dumps(merged)
        return response

    return Process(handler, identifier='merge-json', title='Merge JSON documents', version='1.0',
                   inputs=[ComplexInput('document', 'Documents', supported_formats=[JSON], max_occurs=10)],
                   outputs=[ComplexOutput('merged', 'Merged document', supported_formats=[JSON])],
                   store_supported=True, status_supported=True)


def bbox_area():
    def handler(request, response):
        ll, ur = request.inputs['bbox'][0].ll, request.inputs['bbox'][0].ur
        response.outputs['area'].data = (float(ur[0]) - float(ll[0])) * (float(ur[1]) - float(ll[1]))
        return response

    return Process(handler, identifier='bbox-area', title='Bounding box area', version='1.0',
                   inputs=[BoundingBoxInput('bbox', 'Bounding box', crss=['EPSG:4326'])],
                   outputs=[LiteralOutput('area', 'area', data_type='float')],
                   store_supported=True, status_supported=True)


def bbox_clip():
    def handler(request, response):
        response.outputs['clipped'].data = request.inputs['bbox'][0].data
        response.outputs['footprint'].data = request.inputs['image'][0].data
        return response

    return Process(handler, identifier='bbox-clip', title='Clip to a bounding box', version='1.0',
                   inputs=[ComplexInput('image', 'Image', supported_formats=[FORMATS.GEOTIFF]),
                           BoundingBoxInput('bbox', 'Bounding box', crss=['EPSG:4326', 'EPSG:3857'])],
                   outputs=[BoundingBoxOutput('clipped', 'Clipped extent', crss=['EPSG:4326']),
                            ComplexOutput('footprint', 'Footprint', supported_formats=[FORMATS.GEOTIFF], as_reference=True)],
                   store_supported=True, status_supported=True)


PROCESSES = [
    echo(),
    literal_echo('echo-integer', 'integer', 'Echo an integer'),
    literal_echo('echo-float', 'float', 'Echo a float'),
    literal_echo('echo-boolean', 'boolean', 'Echo a boolean'),
    add(),
    word_count(),
    upper(),
    produce(),
    reproject(),
    merge_json(),
    bbox_area(),
    bbox_clip(),
]

service = Service(PROCESSES, [os.path.join(HERE, 'pywps.cfg')])


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    if path.startswith('/outputs/'):
        root = os.path.realpath(os.path.join(os.environ['PYWPS_BENCH_TMP'], 'outputs'))
        file = os.path.realpath(os.path.join(root, path[len('/outputs/'):]))
        if file.startswith(root + os.sep) and os.path.isfile(file):
            with open(file, 'rb') as f:
                body = f.read()
            start_response('200 OK', [('Content-Type', mimetypes.guess_type(file)[0] or 'application/octet-stream'),
                                      ('Content-Length', str(len(body)))])
            return [body]
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'not found']
    return service(environ, start_response)
