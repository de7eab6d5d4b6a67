"""nsr_tf.kinds: the ship tools' --kind NAME=FOLDER values."""

import pytest

from nsr_tf.kinds import kind_folders


def test_kind_folders_take_name_equals_folder_with_images_and_refuse_the_rest(tmp_path):
    def error(message):
        raise ValueError(message)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=f"--kind 'x={empty}': {empty}: no image files"):
        kind_folders([f"x={empty}"], error)
    (empty / "a.png").write_bytes(b"")     # an image name is enough: nothing is read yet
    assert kind_folders([f"a b={empty}"], error) == {"a b": str(empty)}
    for bad in (str(tmp_path), f"={tmp_path}", f"x={tmp_path}/missing"):
        with pytest.raises(ValueError, match="--kind"):
            kind_folders([bad], error)


def test_a_fingerprint_follows_the_model_file_the_images_and_the_level(tmp_path):
    import hashlib
    import shutil
    from nsr_tf.kinds import fingerprint
    folder = tmp_path / "kind"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"first image")
    (folder / "b.png").write_bytes(b"second image")
    model = tmp_path / "gray.keras"
    model.write_bytes(b"weights")
    first = fingerprint(model, folder, 25)
    # sha256sum's manifest of the folder, hashed: an independent reading of the same bytes
    manifest = "\n".join(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in
                         (("a.png", b"first image"), ("b.png", b"second image")))
    assert first == {"model_sha256": hashlib.sha256(b"weights").hexdigest(),
                      "images_sha256": hashlib.sha256(manifest.encode()).hexdigest(),
                      "level": 25}
    shutil.copytree(folder, tmp_path / "copy")      # the same images elsewhere: the same
    assert fingerprint(model, tmp_path / "copy", 25) == first
    assert fingerprint(model, folder, 15) != first
    (tmp_path / "copy" / "b.png").rename(tmp_path / "copy" / "c.png")   # a name
    assert fingerprint(model, tmp_path / "copy", 25)["images_sha256"] != first["images_sha256"]
    (folder / "b.png").write_bytes(b"second imagE")                    # a byte
    assert fingerprint(model, folder, 25)["images_sha256"] != first["images_sha256"]
    model.write_bytes(b"weightS")
    assert fingerprint(model, folder, 25)["model_sha256"] != first["model_sha256"]


def test_score_gray_takes_the_passes_a_stopped_ship_kept(tmp_path, capsys):
    import os
    from PIL import Image
    from nsr_tf import model_io
    from nsr_tf.data import Degradation
    from nsr_tf.kinds import score_gray
    from nsr_tf.partial_scores import KEPT, PartialScores
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    kind = tmp_path / "kind"
    kind.mkdir()
    Image.open(os.path.join(repo, "testsets", "Set12", "01.png")).crop((0, 0, 64, 64)).save(
        kind / "01.png")
    job = tmp_path / "job"
    job.mkdir()
    (job / "best.keras").write_bytes(b"the job's model")

    def rows(model):
        return score_gray("denoise-sigma25", model, Degradation("denoise", 25),
                          {"crop": str(kind)}, 25,
                          partial=PartialScores(str(job), str(job / "best.keras")))

    first = rows(model_io.load("denoise-sigma25")[0])
    # the model and the shipped one beside it (the same file here: the same score)
    assert first["crop"]["psnr"] > 25 and first["crop"]["before_psnr"] == first["crop"]["psnr"]
    capsys.readouterr()
    assert rows(None) == first        # run again after a stop: both passes kept
    assert capsys.readouterr().out.count(KEPT) == 2
