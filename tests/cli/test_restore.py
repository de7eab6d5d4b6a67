"""The restore command on user files."""

import os
import subprocess
import sys

import numpy as np
from PIL import Image


def restore(*args):
    return subprocess.run([sys.executable, "-m", "nsr_tf.cli.restore", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def test_a_folder_with_a_corrupt_file(model_file, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (40, 50), dtype=np.uint8)).save(folder / "gray.png")
    Image.fromarray(rng.integers(0, 256, (33, 45, 4), dtype=np.uint8)).save(folder / "rgba.png")
    Image.fromarray(rng.integers(0, 65536, (36, 36), dtype=np.uint16)).save(folder / "deep.png")
    Image.fromarray(rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)).save(folder / "c.jpg")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    out = tmp_path / "out"
    result = restore(folder, "--model", model_file, "--out", out, "--degrade")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "nsr-restore: error" in line]
    assert len(errors) == 1 and "broken.png" in errors[0]
    assert "Traceback" not in result.stderr
    with Image.open(out / "gray_restored.png") as image:
        assert image.size == (50, 40) and image.mode == "L"
    with Image.open(out / "rgba_restored.png") as image:
        assert image.mode == "RGBA"
        original = np.asarray(Image.open(folder / "rgba.png"))[..., 3]
        np.testing.assert_array_equal(np.asarray(image)[..., 3], original)   # alpha kept
    with Image.open(out / "deep_restored.png") as image:
        assert image.mode.startswith("I")                                   # 16-bit kept
    assert (out / "c_restored.png").exists() and (out / "gray_degraded.png").exists()
    assert sorted(os.listdir(folder)) == ["broken.png", "c.jpg", "deep.png", "gray.png",
                                          "rgba.png"]                       # inputs intact


def test_never_overwrites_an_input(model_file, tmp_path):
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "x.png")
    Image.fromarray(np.full((20, 20), 9, np.uint8)).save(tmp_path / "x_restored.png")
    before = (tmp_path / "x_restored.png").read_bytes()
    result = restore(tmp_path, "--model", model_file, "--out", tmp_path)
    assert (tmp_path / "x_restored.png").read_bytes() == before
    assert "refusing to overwrite" in result.stderr and result.returncode == 1
    assert (tmp_path / "x_restored_restored.png").exists()


def restore_here(capsys, *args):
    """nsr-restore in this process (no TensorFlow start-up): (exit code, stdout, stderr)."""
    from nsr_tf.cli.restore import main
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:        # argparse's refusal of a bad flag
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_backends_and_precisions_agree(model_file, tmp_path, capsys):
    import keras

    image = np.random.default_rng(1).integers(0, 256, (70, 90), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / "x.png")
    outputs, messages = {}, {}
    for name, extra in (("float32", ["--precision", "float32"]),
                        ("litert", ["--backend", "litert", "--tile-size", "64"]),
                        ("bfloat16", ["--precision", "mixed_bfloat16", "--overlap", "8"])):
        code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file, "--out",
                                    tmp_path / name, *extra)
        assert code == 0, err[-2000:]
        # the model was trained on 32 px patches: tiles of 64, overlap a quarter patch
        assert "tiles 64 overlap 8" in err
        outputs[name] = np.asarray(Image.open(tmp_path / name / "x_restored.png"), float)
        messages[name] = err
    assert "keras, precision float32" in messages["float32"]
    assert "litert, precision float32" in messages["litert"]
    assert "precision mixed_bfloat16" in messages["bfloat16"]
    assert np.abs(outputs["litert"] - outputs["float32"]).max() <= 1      # 8-bit rounding
    assert 0 < np.abs(outputs["bfloat16"] - outputs["float32"]).max() <= 4
    # by default the LiteRT backends take the float32 phone files' tile (a denoiser's: 256);
    # a photo smaller than it (70 x 90) is one tile, mirrored (reflect) past its bottom and
    # right edges to the file's fixed tile as the app does, and cropped: the Keras model on
    # that padded image, within 8-bit rounding
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file, "--out",
                                tmp_path / "phone", "--backend", "litert")
    assert code == 0 and "tiles 256 overlap 8" in err, err[-2000:]
    phone = np.asarray(Image.open(tmp_path / "phone" / "x_restored.png"), float)
    padded = np.pad(image / 255.0, ((0, 256 - 70), (0, 256 - 90)), mode="reflect")
    reference = keras.models.load_model(model_file)(padded[None, ..., None].astype("float32"))
    reference = np.round(np.clip(np.asarray(reference)[0, :70, :90, 0], 0, 1) * 255)
    assert phone.shape == (70, 90) and np.abs(phone - reference).max() <= 1


def test_a_noise_map_model_is_told_the_given_or_estimated_sigma(tmp_path, capsys):
    import json

    from nsr_tf import build_model
    model = build_model("denoise", "sparse+", num_blocks=1, level_map=True)
    model.save(tmp_path / "m.keras")
    (tmp_path / "m.json").write_text(json.dumps(
        {"config": {"task": "denoise", "sigma": 25, "sigma_range": [0, 75]},
         "tile_size": 32, "overlap": 8}))
    rng = np.random.default_rng(2)
    clean = np.full((60, 60), 128.0)
    noisy = np.clip(clean + rng.normal(0, 20, clean.shape), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(tmp_path / "x.png")
    code, out, err = restore_here(capsys, tmp_path / "x.png", "--model", tmp_path / "m.keras",
                                  "--out", tmp_path / "auto", "--precision", "float32")
    assert code == 0, err[-2000:]
    estimated = float(out.split("(sigma ")[1].split(" ")[0])
    assert abs(estimated - 20) < 3 and "(estimated: finest wavelet band)" in out
    code, out, _ = restore_here(capsys, tmp_path / "x.png", "--model", tmp_path / "m.keras",
                                "--out", tmp_path / "given", "--sigma", "40", "--precision",
                                "float32")
    assert code == 0 and "(sigma 40.0)" in out
    first = np.asarray(Image.open(tmp_path / "auto" / "x_restored.png"), float)
    second = np.asarray(Image.open(tmp_path / "given" / "x_restored.png"), float)
    assert np.abs(first - second).max() > 0                     # the strength matters
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", tmp_path / "m.keras",
                                "--out", tmp_path / "bad", "--sigma", "loud")
    assert code == 2 and "argument --sigma: expected a number in [0, 255] or 'auto', got 'loud'" in err


def test_a_jpeg_models_run_says_the_files_quality(tmp_path, testsets, capsys):
    import json

    from nsr_tf import build_model
    build_model("jpeg", "sparse-", num_blocks=1).save(tmp_path / "m.keras")
    (tmp_path / "m.json").write_text(json.dumps(
        {"config": {"task": "jpeg", "quality": 10}, "tile_size": 32, "overlap": 8}))
    image = Image.open(os.path.join(testsets, "classic5", "lena.png")).crop((0, 0, 64, 64))
    image.save(tmp_path / "q30.jpg", quality=30)
    image.save(tmp_path / "p.png")
    code, out, err = restore_here(capsys, tmp_path / "q30.jpg", tmp_path / "p.png", "--model",
                                  tmp_path / "m.keras", "--out", tmp_path / "out",
                                  "--precision", "float32")
    assert code == 0, err[-2000:]
    assert "JPEG quality 30 read from the file; the model was trained at 10" in out
    assert "not a JPEG file" in out


def test_a_quality_map_model_is_told_the_files_quality_or_the_given_one(tmp_path, testsets,
                                                                         capsys):
    import json

    from nsr_tf import build_model
    build_model("jpeg", "sparse-", num_blocks=1, level_map=True).save(tmp_path / "m.keras")
    (tmp_path / "m.json").write_text(json.dumps(
        {"config": {"task": "jpeg", "quality": 10, "quality_range": [10, 90]},
         "tile_size": 32, "overlap": 8}))
    image = Image.open(os.path.join(testsets, "classic5", "lena.png")).crop((0, 0, 64, 64))
    image.save(tmp_path / "q30.jpg", quality=30)
    image.save(tmp_path / "p.png")
    model = ["--model", tmp_path / "m.keras", "--precision", "float32"]
    code, out, err = restore_here(capsys, tmp_path / "q30.jpg", *model, "--out", tmp_path / "a")
    assert code == 0, err[-2000:]
    assert "(JPEG quality 30 read from the file)" in out
    code, out, err = restore_here(capsys, tmp_path / "q30.jpg", *model, "--out", tmp_path / "b",
                                  "--quality", "60")
    assert code == 0 and "(JPEG quality 60 (given))" in out
    read = np.asarray(Image.open(tmp_path / "a" / "q30_restored.png"), float)
    given = np.asarray(Image.open(tmp_path / "b" / "q30_restored.png"), float)
    assert np.abs(read - given).max() > 0                       # the quality matters
    code, _, err = restore_here(capsys, tmp_path / "p.png", *model, "--out", tmp_path / "c")
    assert code == 1 and "p.png: not a JPEG file, so no quality to read: give --quality" in err


def _sr_model_file(tmp_path, scale=2):
    """A small untrained x``scale`` Sparse+ upscaler saved as training saves one."""
    import json

    from nsr_tf import build_model
    path = tmp_path / f"sr{scale}.keras"
    build_model("sr", "sparse+", scale=scale, num_blocks=1).save(path)
    (tmp_path / f"sr{scale}.json").write_text(json.dumps(
        {"config": {"task": "sr", "scale": scale, "variant": "sparse+"},
         "tile_size": 16, "overlap": 4}))
    return path


def test_an_upscaler_takes_rgb_gray_rgba_and_16_bit_photos(tmp_path, capsys):
    model = _sr_model_file(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, (21, 30, 4), dtype=np.uint8)
    Image.fromarray(rgba).save(folder / "rgba.png")
    Image.fromarray(rng.integers(0, 256, (19, 23), dtype=np.uint8)).save(folder / "gray.png")
    Image.fromarray(rng.integers(0, 65536, (18, 20), dtype=np.uint16)).save(folder / "deep.png")
    Image.fromarray(rng.integers(0, 256, (25, 17, 3), dtype=np.uint8)).save(folder / "c.jpg")
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(folder / "dot.png")
    code, out, err = restore_here(capsys, folder, "--model", model, "--out", tmp_path / "o",
                                  "--scale", "2", "--precision", "float32")
    assert code == 1 and "Traceback" not in err               # dot.png: one line
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and "dot.png" in errors[0] and "too small" in errors[0]
    assert "x2: 30x21 -> 60x42" in out
    with Image.open(tmp_path / "o" / "rgba_restored.png") as image:
        assert image.mode == "RGBA" and image.size == (60, 42)
        # alpha is upscaled by bicubic, independently of the model
        expected = Image.fromarray(rgba[..., 3]).resize((60, 42), Image.Resampling.BICUBIC)
        np.testing.assert_array_equal(np.asarray(image)[..., 3], np.asarray(expected))
    with Image.open(tmp_path / "o" / "gray_restored.png") as image:
        assert image.mode == "L" and image.size == (46, 38)  # run as RGB, written as gray
    with Image.open(tmp_path / "o" / "deep_restored.png") as image:
        assert image.mode.startswith("I") and image.size == (40, 36)
    with Image.open(tmp_path / "o" / "c_restored.png") as image:
        assert image.mode == "RGB" and image.size == (34, 50)


def test_scale_must_match_the_model(tmp_path, model_file, capsys):
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "x.png")
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file,
                                "--out", tmp_path / "o", "--scale", "2")
    assert code == 1 and "not a super-resolution model" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model",
                                _sr_model_file(tmp_path), "--out", tmp_path / "o",
                                "--scale", "4")
    assert code == 1 and "upscales x2" in err and "sr-x4" in err
    assert not (tmp_path / "o" / "x_restored.png").exists()


def test_a_portrait_phone_photo_comes_out_upright_with_its_profile(model_file, tmp_path,
                                                                    capsys):
    from PIL import ImageCms

    from tests.data.test_images import _portrait_jpeg, bomb_png
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    folder = tmp_path / "in"
    folder.mkdir()
    _portrait_jpeg(folder / "portrait.jpg", icc=icc)
    bomb_png(folder / "bomb.png")
    code, out, err = restore_here(capsys, folder, "--model", model_file, "--out",
                                  tmp_path / "o", "--sigma", "25")
    assert code == 1 and "Traceback" not in err             # the bomb: one line
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and "bomb.png" in errors[0] and "too many pixels" in errors[0]
    with Image.open(tmp_path / "o" / "portrait_restored.png") as image:
        assert image.size == (20, 30)                       # upright
        assert image.info.get("icc_profile") == icc
        exif = image.getexif()
        assert 0x0112 not in exif and exif[0x010F] == "nsr-tf test camera"


def estimated_as(sigma, out):
    """Whether nsr-restore said it estimated ``sigma``: told the model as is, or read first
    and then looked at again (``nsr_tf.estimation.settle_level``: random pixels are texture
    a camera-noise model removes little of)."""
    return f"sigma {sigma:.1f} (estimated: " in out or f"(estimated: read {sigma:.1f} by " in out


def test_denoise_picks_the_model_by_the_photo_and_says_which_ran(tmp_path, capsys):
    from nsr_tf import pretrained
    rng = np.random.default_rng(11)
    for name, shape in (("a.png", (24, 30, 3)), ("b.png", (20, 20, 3)), ("g.png", (22, 26))):
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(tmp_path / name)
    code, out, err = restore_here(capsys, tmp_path, "--model", "denoise", "--out",
                                  tmp_path / "o", "--sigma", "20", "--precision", "float32")
    assert code == 0, err
    colour = pretrained.pick("denoise", 3)[0]
    for name in ("a.png", "b.png"):
        assert any(line.startswith(str(tmp_path / name)) and f"({colour};" in line
                   for line in out.splitlines()), out
    assert any(line.startswith(str(tmp_path / "g.png")) and "(denoise-blind;" in line
               for line in out.splitlines())
    if "denoise-color" not in pretrained.available():     # the gray model, said once
        assert err.count("denoise-color is not installed: colour photos run denoise-blind "
                         "per channel") == 1
    with Image.open(tmp_path / "o" / "a_restored.png") as image:
        assert image.mode == "RGB" and image.size == (30, 24)
    with Image.open(tmp_path / "o" / "g_restored.png") as image:
        assert image.mode == "L"
    # --sigma auto on a colour photo: estimated on all channels at once, by the estimator
    # of the model's training noise, and said
    from nsr_tf import model_io
    from nsr_tf.estimation import estimator_for
    from nsr_tf.data.images import read_image
    code, out, err = restore_here(capsys, tmp_path / "a.png", "--model", "denoise", "--out",
                                  tmp_path / "auto", "--sigma", "auto", "--precision",
                                  "float32")
    assert code == 0, err
    info = model_io.load(colour)[1]
    expected = estimator_for(info.noise)(read_image(tmp_path / "a.png", 3))
    assert estimated_as(expected, out) and "all channels together" in out
    # a JPEG file's noise went through the compression: a camera-noise model's estimator
    # is told so (binned pixels), a PNG's is not (the flattest patches)
    Image.open(tmp_path / "a.png").save(tmp_path / "a.jpg", quality=95)
    code, out, err = restore_here(capsys, tmp_path / "a.jpg", "--model", "denoise", "--out",
                                  tmp_path / "auto-jpg", "--sigma", "auto", "--precision",
                                  "float32")
    assert code == 0, err
    expected = estimator_for(info.noise)(read_image(tmp_path / "a.jpg", 3), True)
    assert estimated_as(expected, out)
    if (info.noise or "awgn") != "awgn":
        assert "2x2-binned pixels, for JPEG-compressed camera noise" in out


def test_a_gray_model_on_a_colour_photo_says_so_once(model_file, tmp_path, capsys):
    rng = np.random.default_rng(12)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(tmp_path / name)
    code, _, err = restore_here(capsys, tmp_path, "--model", model_file, "--out",
                                tmp_path / "o", "--sigma", "25")
    assert code == 0 and err.count("is a gray model: colour photos are restored channel "
                                   "by channel") == 1


def test_sigma_auto_looks_again_where_the_estimate_was_texture(tmp_path, capsys):
    # Set5's butterfly under faint camera noise (RMS about 1.1): its flattest 8x8 patches
    # still hold fine texture, so the estimate reads about twice the noise. Told that,
    # denoise-color removes far less than it was told, and --sigma auto restores the photo
    # again told what it removed: closer to the truth and a better PSNR than one look.
    from nsr_tf import pretrained
    from nsr_tf.data.camera_noise import camera_pair
    from nsr_tf.data.images import read_image
    from skimage.metrics import peak_signal_noise_ratio

    if "denoise-color" not in pretrained.available():
        return
    clean = read_image(os.path.join(os.path.dirname(__file__), "..", "..", "testsets",
                                    "Set5", "butterfly_GT.png"), 3)
    noisy, reference = (np.asarray(x) for x in camera_pair(clean, [3, 17], 1e-4, 1e-7))
    noisy8 = np.clip(np.round(noisy * 255), 0, 255).astype(np.uint8)
    Image.fromarray(noisy8).save(tmp_path / "butterfly.png")
    true_rms = float(np.sqrt(np.mean((noisy8 / 255 - reference) ** 2)) * 255)

    code, out, err = restore_here(capsys, tmp_path / "butterfly.png", "--model", "denoise",
                                  "--sigma", "auto", "--out", tmp_path / "auto",
                                  "--precision", "float32")
    assert code == 0, err
    note = out.split("(estimated: read ")
    assert len(note) == 2 and "the model found only" in out, out
    read = float(note[1].split(" ")[0])
    settled = float(note[0].rsplit("sigma ", 1)[1].split(" ")[0])
    assert settled < true_rms < read, (settled, true_rms, read)
    code, out, err = restore_here(capsys, tmp_path / "butterfly.png", "--model", "denoise",
                                  "--sigma", str(read), "--out", tmp_path / "once",
                                  "--precision", "float32")
    assert code == 0, err
    psnr = {name: peak_signal_noise_ratio(
        reference, read_image(tmp_path / name / "butterfly_restored.png", 3), data_range=1)
        for name in ("auto", "once")}
    assert psnr["auto"] > psnr["once"] + 0.1, psnr


def test_sigma_auto_reads_a_png_that_was_once_a_jpeg_as_a_jpeg(tmp_path, capsys):
    # a JPEG decoded and saved as PNG (many web images): its noise went through the
    # compression, so the camera estimator bins its pixels as it does a JPEG file's, and
    # says why
    import io
    from nsr_tf import pretrained
    from nsr_tf.data.images import read_image
    from nsr_tf.estimation import estimate_noise_rms

    if "denoise-color" not in pretrained.available():
        return
    buffer = io.BytesIO()
    Image.open(os.path.join(os.path.dirname(__file__), "..", "..", "testsets", "Set5",
                            "butterfly_GT.png")).convert("RGB").save(buffer, "JPEG",
                                                                     quality=90)
    Image.open(io.BytesIO(buffer.getvalue())).save(tmp_path / "web.png")
    code, out, err = restore_here(capsys, tmp_path / "web.png", "--model", "denoise",
                                  "--sigma", "auto", "--out", tmp_path / "o", "--precision",
                                  "float32")
    assert code == 0, err
    assert "2x2-binned pixels, for JPEG-compressed camera noise; its pixels show a JPEG's " \
           "8x8 grid" in out, out
    assert estimated_as(estimate_noise_rms(read_image(tmp_path / "web.png", 3)), out), out


def test_photos_of_one_name_keep_both_results_and_a_rerun_keeps_them(model_file, tmp_path,
                                                                     capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (24, 30), dtype=np.uint8)).save(folder / "x.png")
    Image.fromarray(rng.integers(0, 256, (24, 30), dtype=np.uint8)).save(folder / "x.jpg")
    code, out, err = restore_here(capsys, folder, "--model", model_file, "--out",
                                  tmp_path / "o")
    assert code == 0, err
    assert sorted(os.listdir(tmp_path / "o")) == ["x_jpg_restored.png", "x_png_restored.png"]
    written = {name: (tmp_path / "o" / name).read_bytes() for name in os.listdir(tmp_path / "o")}
    # the same outputs again: kept and said, not written over
    code, out, err = restore_here(capsys, folder, "--model", model_file, "--out",
                                  tmp_path / "o")
    assert code == 0 and out.count("is there already: kept (--overwrite to replace it)") == 2
    assert "2 of 2 output(s) were there already and kept" in err
    (tmp_path / "o" / "x_png_restored.png").write_bytes(b"stale")
    code, out, err = restore_here(capsys, folder, "--model", model_file, "--out",
                                  tmp_path / "o", "--overwrite")
    assert code == 0
    assert {name: (tmp_path / "o" / name).read_bytes() for name in written} == written
    assert not [name for name in os.listdir(tmp_path / "o") if name.endswith(".part")]


def test_out_naming_a_file_is_one_line_before_the_model_loads(tmp_path):
    (tmp_path / "taken").write_text("not a folder")
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "x.png")
    result = restore(tmp_path / "x.png", "--model", tmp_path / "missing.keras", "--out",
                     tmp_path / "taken")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"nsr-restore: error: --out {tmp_path / 'taken'} is a " \
        f"file; give a folder"


def test_levels_a_model_cannot_take_are_refused(model_file, tmp_path, capsys):
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(tmp_path / "x.png")
    # a sigma-25 model told 10: refused in one line, not ignored
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file, "--out",
                                tmp_path / "o", "--sigma", "10")
    assert code == 1 and "--sigma 10: m.keras is trained for sigma 25 only and takes no " \
        "noise level" in err
    assert not (tmp_path / "o" / "x_restored.png").exists()
    # its own sigma is no change: accepted
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file, "--out",
                                tmp_path / "o", "--sigma", "25")
    assert code == 0, err
    code, _, err = restore_here(capsys, tmp_path / "x.png", "--model", model_file, "--out",
                                tmp_path / "o", "--sigma", "300")
    assert code == 2 and "expected a number in [0, 255] or 'auto', got '300'" in err


def test_an_empty_or_missing_file_is_one_error_and_no_note(model_file, tmp_path, capsys):
    (tmp_path / "empty.png").write_bytes(b"")
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "colour.png")
    code, out, err = restore_here(capsys, tmp_path / "empty.png", tmp_path / "gone.png",
                                  tmp_path / "colour.png", "--model", model_file, "--out",
                                  tmp_path / "o")
    assert code == 1
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 2 and "empty.png: empty file (0 bytes)" in errors[0] \
        and "gone.png: no such file" in errors[1]
    # the gray-model note is about the colour photo alone, said once
    assert err.count("is a gray model") == 1 and (tmp_path / "o" / "colour_restored.png").exists()


def test_a_flat_photo_is_told_no_noise_not_nan(tmp_path, capsys):
    import json
    import warnings

    from nsr_tf import build_model
    build_model("denoise", "sparse+", num_blocks=1, level_map=True).save(tmp_path / "b.keras")
    (tmp_path / "b.json").write_text(json.dumps(
        {"config": {"task": "denoise", "sigma": 25, "sigma_range": [0, 75]},
         "tile_size": 32, "overlap": 8}))
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "black.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code, out, err = restore_here(capsys, tmp_path / "black.png", "--model",
                                      tmp_path / "b.keras", "--out", tmp_path / "o")
    assert code == 0, err
    assert "nan" not in out and "(sigma 0.0 (estimated: finest wavelet band; the photo is " \
        "flat, no noise to read)" in out
