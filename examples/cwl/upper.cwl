#!/usr/bin/env cwl-runner
# README.md's CWL example: the example application (examples/upper, built as
# scale-example/upper:1.0) as a CWL tool. cwltool runs it in its container, the files as arguments.
cwlVersion: v1.2
class: CommandLineTool
id: upper-cwl
label: Upper-case text files
doc: Writes the given text files upper-cased, one after the other, into one file.
requirements:
  DockerRequirement:
    dockerPull: scale-example/upper:1.0
  ResourceRequirement:
    coresMin: 0.25
    ramMin: 32
inputs:
  files:
    type: File[]
    format: iana:text/plain
    inputBinding: { position: 1 }
outputs:
  result:
    type: File
    format: iana:text/plain
    outputBinding: { glob: result.txt }
$namespaces:
  iana: https://www.iana.org/assignments/media-types/
