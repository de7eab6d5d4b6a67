"""User errors are NsrErrors and print as one line; bugs keep their traceback."""

import pytest

from nsr_tf import evaluation
from nsr_tf.cli import evaluate as evaluation_cli
from nsr_tf.errors import NsrError, UsageError


def test_every_domain_error_is_an_nsr_error():
    from nsr_tf.data import BadImageError, DatasetUnavailableError
    from nsr_tf.export.catalogue import CatalogueError
    from nsr_tf.export.converter import ExportError
    from nsr_tf.export.native import NativeUnavailable
    from nsr_tf.model_io import ModelError
    from nsr_tf.train.loop import TrainingError
    for error in (BadImageError, DatasetUnavailableError, CatalogueError, ExportError,
                  NativeUnavailable, ModelError, TrainingError, UsageError):
        assert issubclass(error, NsrError), error
    assert not issubclass(NsrError, ValueError)


def test_a_user_error_is_one_line_and_a_bug_keeps_its_traceback(tmp_path, capsys,
                                                                  monkeypatch):
    missing = str(tmp_path / "nowhere")
    assert evaluation_cli.main(["--baseline", "input", "--task", "denoise",
                                "--data-dir", missing]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("evaluate.py: error: ") and "nowhere" in err[-1]
    monkeypatch.setenv("NSR_TF_DEBUG", "1")              # the traceback on request
    with pytest.raises(NsrError, match="nowhere"):
        evaluation_cli.main(["--baseline", "input", "--task", "denoise",
                             "--data-dir", missing])
    monkeypatch.delenv("NSR_TF_DEBUG")

    def bug(*args, **kwargs):
        raise ValueError("a bug, not the user's fault")
    monkeypatch.setattr(evaluation, "evaluate_folder", bug)
    folder = tmp_path / "images"
    folder.mkdir()
    from PIL import Image
    Image.new("L", (16, 16)).save(folder / "x.png")
    with pytest.raises(ValueError, match="a bug"):       # not swallowed into one line
        evaluation_cli.main(["--baseline", "input", "--task", "denoise",
                             "--data-dir", str(folder)])
