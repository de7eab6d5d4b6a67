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
