"""The JSON files beside the models, as typed records with a schema version.

- ``ExportMetadata``: ``FILE.tflite.json``, written by the export command and read by
  Python and by the Android app (``ModelInfo.java`` checks ``schema_version``).
- ``TrainingRecord``: ``best.json`` beside a trained ``best.keras`` (and the shipped
  models' ``STEM.json``), written by training and read by ``nsr_tf.model_io``.

``from_json`` reads every older shape (files without ``schema_version`` are version 0:
the optional keys ``level_map``, ``custom_ops`` and ``needs`` may be missing); ``to_json``
always writes every field and the current version. Keys a record does not know (the
shipped models' scores, say) are kept in ``extra`` and written back unchanged.
"""

import dataclasses
import json
import os

from nsr_tf.errors import NsrError

SCHEMA_VERSION = 1


class MetadataError(NsrError, ValueError):
    """A metadata file of a newer schema than this version of nsr-tf reads."""


def _load(cls, data):
    version = int(data.get("schema_version", 0))
    if version > SCHEMA_VERSION:
        raise MetadataError(f"metadata schema {version} is newer than this nsr-tf reads "
                            f"({SCHEMA_VERSION}): upgrade nsr-tf")
    names = {field.name for field in dataclasses.fields(cls)} - {"extra", "schema_version"}
    known = {key: value for key, value in data.items() if key in names}
    extra = {key: value for key, value in data.items()
             if key not in names and key != "schema_version"}
    return cls(**known, extra=extra)


def _dump(record):
    data = {"schema_version": SCHEMA_VERSION}
    data.update({field.name: getattr(record, field.name)
                 for field in dataclasses.fields(record)
                 if field.name not in ("extra", "schema_version")})
    data.update(record.extra)
    return data


class _Record:
    """``from_json`` / ``to_json`` of the records below."""

    @classmethod
    def from_json(cls, data):
        return _load(cls, data)

    def to_json(self):
        return _dump(self)


@dataclasses.dataclass(frozen=True)
class ExportMetadata(_Record):
    """What an app needs to run a ``.tflite`` (``FILE.tflite.json``)."""
    model: str                      # the source .keras, relative to this file's folder
    tflite: str                     # the .tflite's file name
    task: str
    degradation: str
    channels: int
    scale: int
    tile: int                       # the input tile (batch, tile, tile, C)
    overlap: int
    batch: int
    input: dict
    output: dict
    form: str
    quantization: str
    params: int
    macs_per_pixel: float
    bytes: int
    parity: dict
    sigma: float | None = None
    quality: int | None = None
    preset: str | None = None
    # the last input channel of a level-conditioned model, else None
    level_map: dict | None = None
    xnnpack_partitions: int | None = None
    ops_outside_xnnpack: list = dataclasses.field(default_factory=list)
    # the native form: custom ops that need nsr-tf's kernel library
    custom_ops: list = dataclasses.field(default_factory=list)
    needs: str | None = None
    extra: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TrainingRecord(_Record):
    """The best model of a training run (``best.json``)."""
    config: dict = dataclasses.field(default_factory=dict)
    epoch: int | None = None
    step: int | None = None
    validation: dict | None = None
    params: int | None = None
    macs_per_pixel: float | None = None
    degradation: str | None = None
    tile_size: int | None = None     # the training patch, also the inference tile
    overlap: int | None = None
    precision: str | None = None
    # extra["held_out"]: the training images held out for validation, {"rule": how they
    # were chosen, "images": [FOLDER/NAME, ...]} (since 2026-12-05; missing with
    # --val-dir, and in runs from before, which held out the last 4 in sorted path order)
    extra: dict = dataclasses.field(default_factory=dict)


def read(cls, path):
    """A record of ``cls`` from the JSON file ``path``."""
    with open(path) as handle:
        return cls.from_json(json.load(handle))


def write(record, path):
    """Writes ``record`` as JSON to ``path`` atomically."""
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(record.to_json(), handle, indent=2, default=float)
    os.replace(tmp, path)
