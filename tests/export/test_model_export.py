"""The library export call: what it writes and returns, and how the catalogue uses it."""

import json
import os

import pytest

from nsr_tf import build_model, metadata
from nsr_tf.export import catalogue
from nsr_tf.export.litert import LiteRTPredictor
from nsr_tf.export.model_export import default_out, export_model


def test_export_model_returns_the_metadata_it_writes_beside_the_file(testsets, tmp_path):
    import keras
    keras.utils.set_random_seed(3)
    build_model("denoise", "sparse-", num_blocks=1).save(tmp_path / "m.keras")
    (tmp_path / "m.json").write_text(json.dumps(
        {"config": {"task": "denoise", "sigma": 15, "variant": "sparse-"}, "tile_size": 32,
         "overlap": 8}))
    images = [os.path.join(testsets, "Set12", name) for name in ("01.png", "02.png")]
    meta = export_model(str(tmp_path / "m.keras"), images=images)
    out = default_out(str(tmp_path / "m.keras"), "none")
    assert out == str(tmp_path / "m.tflite") and meta.tflite == "m.tflite"
    assert metadata.read(metadata.ExportMetadata, out + ".json") == meta
    assert meta.parity["passed"] and [row["image"] for row in meta.parity["images"]] == \
        ["01.png", "02.png"]
    lite = LiteRTPredictor(open(out, "rb").read())
    # the phone tile of a restoration model's float32 file (256), not the training patch;
    # the trained overlap in pixels
    assert lite.batch == meta.batch == 1 and meta.input["shape"] == [1, 256, 256, 1]
    assert (meta.tile, meta.overlap) == (256, 8)
    dynamic = export_model(str(tmp_path / "m.keras"), quantize="dynamic", images=images)
    assert (dynamic.tile, dynamic.overlap) == (128, 8)       # the int8 files': 128
    assert meta.level_map is None and meta.sigma == 15 and meta.form == "rowhybrid"


def test_the_catalogue_refuses_an_export_that_fails_parity(tmp_path, monkeypatch):
    monkeypatch.setenv("NSR_TF_CACHE", str(tmp_path))
    written = []

    def failing(path, form, quantize, out):
        for name in (out, out + ".json"):
            open(name, "w").close()
            written.append(name)
        report = {"passed": False, "metric": "psnr_change_db", "worst": 0.2, "limit": 0.05,
                  "gates_differ": True}
        return metadata.ExportMetadata(
            model="", tflite=os.path.basename(out), task="denoise", degradation="",
            channels=1, scale=1, tile=64, overlap=16, batch=1, input={}, output={},
            form=form, quantization=quantize, params=0, macs_per_pixel=0.0, bytes=0,
            parity=report)

    monkeypatch.setattr("nsr_tf.export.model_export.export_model", failing)
    with pytest.raises(catalogue.CatalogueError, match=r"jpeg: the cpu/dynamic export "
                       r"failed: parity with Keras failed \(worst psnr_change_db 2\.00e-01"):
        catalogue.exported("jpeg", "_dynamic.tflite")
    assert written and not any(os.path.exists(name) for name in written)   # nothing kept


def test_cpu_latencies_time_both_cpu_files_on_one_and_two_threads(tmp_path, monkeypatch):
    from nsr_tf.export import convert, litert
    model = build_model("denoise", "sparse-", num_blocks=1)
    files = {}
    for suffix, tile in ((".tflite", 32), ("_dynamic.tflite", 48)):   # two files apart
        files[suffix] = tmp_path / f"m{suffix}"
        files[suffix].write_bytes(convert(model, "rowhybrid", tile=tile))
    monkeypatch.setattr(catalogue, "exported", lambda name, suffix: str(files[suffix]))
    timed = []
    real = litert.latency

    def recording(content, threads, runs):
        timed.append((content == files["_dynamic.tflite"].read_bytes(), threads, runs))
        return real(content, threads, runs=runs)

    monkeypatch.setattr(litert, "latency", recording)
    times = catalogue.cpu_latencies("jpeg", runs=2)
    assert sorted(times) == ["dynamic 1t", "dynamic 2t", "float32 1t", "float32 2t"]
    assert all(0 < ms < 60_000 for ms in times.values())      # milliseconds, measured
    assert [(dynamic, threads) for dynamic, threads, _ in timed] == \
        [(False, 1), (False, 2), (True, 1), (True, 2)]
    assert all(runs == 2 for _, _, runs in timed)


def test_cpu_latencies_hold_a_training_run_while_timing_and_only_then(monkeypatch):
    from nsr_tf.export import litert
    from tests.processes import process_state, sleeper
    seen = {"export": [], "timing": []}
    with sleeper() as run:
        def exported(name, suffix):
            seen["export"].append(process_state(run.pid))
            return __file__      # any bytes: the timing is stubbed
        monkeypatch.setattr(catalogue, "exported", exported)
        monkeypatch.setattr(litert, "latency", lambda content, threads, runs:
                            seen["timing"].append(process_state(run.pid)) or 0.001)
        assert catalogue.cpu_latencies("jpeg", runs=1, pause=[run.pid])["dynamic 2t"] == 1.0
        assert len(seen["export"]) == 2 and "T" not in seen["export"]   # running, or starting
        assert seen["timing"] == ["T"] * 4
        assert process_state(run.pid) in "SR"
