"""nsr_tf.files: one cache root, one SHA-256 helper."""

import hashlib

from nsr_tf import files


def test_the_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("NSR_TF_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert files.cache_root() == str(tmp_path / "xdg" / "nsr_tf")
    monkeypatch.setenv("NSR_TF_CACHE", str(tmp_path / "mine"))
    assert files.cache_root() == str(tmp_path / "mine")
    # everything the package caches sits below that one root
    from nsr_tf.data import sources
    from nsr_tf.export import xnnpack
    monkeypatch.delenv("NSR_TF_XNNPACK_DIR", raising=False)
    assert sources.cache_dir() == str(tmp_path / "mine")
    assert xnnpack.cache_dir() == str(tmp_path / "mine" / "xnnpack")


def test_sha256_of_a_file_in_blocks(tmp_path):
    data = bytes(range(256)) * 9000     # over two 1 MiB blocks
    (tmp_path / "f").write_bytes(data)
    assert files.sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()
