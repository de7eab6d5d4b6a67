"""The JSON beside the models: typed records with a schema version, older shapes read."""

import glob
import json
import os

import pytest

from nsr_tf import metadata, pretrained
from nsr_tf.inference import phone_tile


def test_every_shipped_json_reads_and_writes_back_unchanged():
    for path in glob.glob(os.path.join(pretrained.HERE, "*.json")):
        data = json.load(open(path))
        cls = metadata.ExportMetadata if path.endswith(".tflite.json") else \
            metadata.TrainingRecord
        record = cls.from_json(data)
        assert data["schema_version"] == metadata.SCHEMA_VERSION, path
        assert record.to_json() == data, path          # one shape, every key kept


def test_an_older_export_shape_is_read_with_its_optional_keys_filled(tmp_path):
    from nsr_tf.export.catalogue import exported
    path = exported("denoise-sigma25", ".tflite") + ".json"   # made as the export makes it
    old = json.load(open(path))
    for key in ("schema_version", "level_map", "custom_ops", "needs"):
        old.pop(key)                                  # the 22-key shape of version 0
    record = metadata.ExportMetadata.from_json(old)
    assert record.level_map is None and record.custom_ops == [] and record.needs is None
    assert record.tile == phone_tile("denoise", "none")      # a float32 file: 256
    assert record.to_json()["schema_version"] == metadata.SCHEMA_VERSION
    metadata.write(record, str(tmp_path / "m.json"))
    assert set(json.load(open(tmp_path / "m.json"))) == set(json.load(open(path)))


def test_a_newer_schema_is_refused_in_one_line():
    data = json.load(open(pretrained.path("denoise-sigma25", ".json")))
    data["schema_version"] = metadata.SCHEMA_VERSION + 1
    with pytest.raises(metadata.MetadataError, match="newer than this nsr-tf reads"):
        metadata.TrainingRecord.from_json(data)


def test_the_app_checks_the_same_version():
    java = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "android_demo", "app", "src", "main", "java", "org", "nsrtf",
                             "demo", "ModelInfo.java")).read()
    assert f"SCHEMA_VERSION = {metadata.SCHEMA_VERSION};" in java
    assert 'json.optInt("schema_version", 0)' in java


def test_the_held_out_images_go_through_a_record_as_an_extra_key():
    held = {"rule": "the last of each --data-dir folder in turn",
            "images": ["photos/x.png", "graphics/y.png"]}
    record = metadata.TrainingRecord.from_json({"schema_version": 1, "held_out": held})
    assert record.extra == {"held_out": held} and record.to_json()["held_out"] == held
