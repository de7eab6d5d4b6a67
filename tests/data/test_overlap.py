"""nsr_tf.data.overlap: a test image is found in a training set by its content."""

import os

from PIL import Image

from nsr_tf.data.overlap import THRESHOLD, clean_folder, find_overlaps, main


def _set(testsets, name):
    folder = os.path.join(str(testsets), name)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder))


def test_copies_through_jpeg_a_turn_a_crop_and_a_flip_are_found(tmp_path, testsets):
    set12 = _set(testsets, "Set12")
    train = []
    original = Image.open(set12[3])
    for name, image in (("jpeg.jpg", original), ("turned.png", original.rotate(90, expand=True)),
                        ("crop.png", original.crop((3, 2, original.width - 2,
                                                    original.height - 4))),
                        ("flip.png", original.transpose(Image.Transpose.FLIP_LEFT_RIGHT))):
        path = str(tmp_path / name)
        image.save(path, quality=75) if name.endswith(".jpg") else image.save(path)
        train.append(path)
    # photos of other scenes (Set5) are not taken for it
    train += _set(testsets, "Set5")
    found = find_overlaps(train, set12)
    assert {os.path.basename(test) for test, _, _ in found} == {os.path.basename(set12[3])}
    assert found[0][2] > THRESHOLD


def test_different_photos_stay_below_the_threshold(testsets):
    assert find_overlaps(_set(testsets, "Set12"), _set(testsets, "Set5")) == []


def test_the_standard_sets_own_overlaps_are_found(testsets):
    # classic5 and Set12 share Peppers, Lena and the boat (different crops and sizes)
    found = find_overlaps(_set(testsets, "classic5"), _set(testsets, "Set12"))
    assert sorted(os.path.basename(test) for test, _, _ in found) == ["03.png", "08.png",
                                                                      "10.png"]


def test_a_clean_folder_links_everything_but_the_overlaps(tmp_path, testsets):
    set5 = _set(testsets, "Set5")
    Image.open(set5[0]).save(tmp_path / "copy.jpg", quality=90)
    train = [str(tmp_path / "copy.jpg")] + _set(testsets, "classic5")
    kept, overlaps = clean_folder(train, set5, str(tmp_path / "clean"))
    assert kept == train[1:] and [o[1] for o in overlaps] == [train[0]]
    assert sorted(os.listdir(tmp_path / "clean")) == sorted(os.path.basename(p) for p in train[1:])
    assert all(os.path.islink(tmp_path / "clean" / name) for name in os.listdir(tmp_path / "clean"))


def test_a_test_set_is_split_into_the_images_seen_in_training_and_the_rest(tmp_path,
                                                                         testsets, capsys):
    set5 = _set(testsets, "Set5")
    train = tmp_path / "train"
    train.mkdir()
    Image.open(set5[2]).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(train / "a.png")
    Image.open(_set(testsets, "classic5")[0]).save(train / "b.png")
    (tmp_path / "seen").mkdir()
    os.symlink(set5[4], tmp_path / "seen" / "stale.png")      # an earlier split's link
    assert main(["--train", str(train), "--test", os.path.join(str(testsets), "Set5"),
                 "--seen", str(tmp_path / "seen"), "--unseen", str(tmp_path / "unseen")]) == 0
    assert os.listdir(tmp_path / "seen") == [os.path.basename(set5[2])]
    assert os.path.realpath(tmp_path / "seen" / os.path.basename(set5[2])) == \
        os.path.realpath(set5[2])
    assert sorted(os.listdir(tmp_path / "unseen")) == \
        sorted(os.path.basename(p) for p in set5 if p != set5[2])
    assert "1 linked in" in capsys.readouterr().err
    try:
        main(["--train", str(train), "--test", str(train), "--seen", str(tmp_path / "s")])
    except SystemExit as stop:
        assert stop.code == 2 and "--seen and --unseen go together" in capsys.readouterr().err
    else:
        raise AssertionError("--seen without --unseen was taken")
