"""Named datasets: download from a local HTTP server, checksum, cache, offline errors."""

import functools
import hashlib
import http.server
import io
import os
import re
import socket
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from nsr_tf.data import sources
from nsr_tf.data.sources import DatasetUnavailableError, RemoteDataset


def make_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("a.png", "b.png"):
            image = io.BytesIO()
            Image.fromarray(np.full((8, 8), 7, np.uint8)).save(image, "PNG")
            archive.writestr(f"set/images/{name}", image.getvalue())
    return buffer.getvalue()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "set.zip").write_bytes(make_zip())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NSR_TF_CACHE", str(tmp_path / "cache"))


def test_downloads_verifies_unpacks_and_caches(server):
    url, root = server
    digest = hashlib.sha256((root / "set.zip").read_bytes()).hexdigest()
    registry = {"toy": RemoteDataset(f"{url}/set.zip", digest, "set/images")}
    folder = sources.fetch("toy", registry)
    assert sorted(os.listdir(folder)) == ["a.png", "b.png"]
    (root / "set.zip").unlink()            # cached: no second download
    assert sources.fetch("toy", registry) == folder


def test_checksum_mismatch_is_refused_and_the_file_removed(server):
    url, _ = server
    registry = {"toy": RemoteDataset(f"{url}/set.zip", "0" * 64, "set/images")}
    with pytest.raises(DatasetUnavailableError, match="checksum .* does not match"):
        sources.fetch("toy", registry)
    leftovers = [f for _, _, files in os.walk(sources.cache_dir()) for f in files]
    assert "set.zip" not in leftovers


def test_offline_fails_in_one_line_naming_the_url():
    with socket.socket() as probe:       # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/set.zip"
    registry = {"toy": RemoteDataset(url, None, "set/images")}
    with pytest.raises(DatasetUnavailableError) as error:
        sources.fetch("toy", registry, timeout=5)
    message = str(error.value)
    assert url in message and "--data-dir" in message and "\n" not in message


def test_unknown_dataset():
    with pytest.raises(DatasetUnavailableError, match="unknown dataset 'nope'"):
        sources.fetch("nope")


def test_samples_are_skimage_photographs_without_camera():
    files = sources.sample_files()
    assert len(files) >= 10
    assert not any(os.path.basename(f).startswith("camera") for f in files)


def test_named_test_sets_use_the_repositorys_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("NSR_TF_CACHE", str(tmp_path))   # a download would land here
    for name, count in (("set12", 12), ("classic5", 5), ("set5", 5)):
        files = sources.resolve_files(dataset=name)
        assert len(files) == count
        assert all(f.startswith(sources.TESTSETS_DIR) for f in files)
    assert not os.listdir(tmp_path)


def test_a_folder_is_checked_against_its_manifest(tmp_path):
    from PIL import Image
    folder = tmp_path / "set"
    folder.mkdir()
    for i in range(5):
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(folder / f"{i}.png")
    manifest = str(tmp_path / "set.sha256")
    assert sources.write_manifest(str(folder), manifest) == 5
    assert sources.check_manifest(str(folder), manifest) == 5
    # the format of sha256sum: "DIGEST  NAME"
    first = open(manifest).readline().split()
    import hashlib
    assert first[0] == hashlib.sha256((folder / first[1]).read_bytes()).hexdigest()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(folder / "2.png")     # a different image
    (folder / "4.png").unlink()                                     # one gone
    Image.new("RGB", (8, 8)).save(folder / "new.png")               # one not listed
    with pytest.raises(sources.DatasetUnavailableError,
                       match=r"does not match .*: 1 missing \(4\.png\); 1 not in the "
                             r"manifest \(new\.png\); 1 different \(2\.png\)"):
        sources.check_manifest(str(folder), manifest)


def test_a_missing_data_folder_says_where_the_default_points(tmp_path):
    with pytest.raises(sources.DatasetUnavailableError,
                       match="nowhere: no such folder; " + re.escape(sources.SHARED_DATA_HINT)
                             + ": pass --data-root FOLDER"):
        sources.require_folder(str(tmp_path / "nowhere"), "--data-root")
    assert sources.require_folder(str(tmp_path)) == str(tmp_path)


def test_the_shared_data_folder_follows_nsr_tf_data(monkeypatch, tmp_path):
    monkeypatch.setenv("NSR_TF_DATA", str(tmp_path))
    assert sources.shared_data() == str(tmp_path)
    assert sources.shared_data("Kodak24") == str(tmp_path / "Kodak24")
    monkeypatch.delenv("NSR_TF_DATA")
    repository = os.path.dirname(sources.TESTSETS_DIR)
    assert os.path.normpath(sources.shared_data()) == \
        os.path.normpath(os.path.join(repository, sources.SHARED_DATA))


def test_a_run_on_the_clean_training_set_is_told_by_its_data_dirs():
    from nsr_tf.data.sources import trains_on_clean_set
    assert trains_on_clean_set({"data_dir": ["~/data/CBSD432-clean/", "/data/T91"]})
    assert trains_on_clean_set({"data_dir": "/x/CBSD432-clean"})
    assert not trains_on_clean_set({"data_dir": ["/data/CBSD432"]})
    assert not trains_on_clean_set({"data_dir": None}) and not trains_on_clean_set({})
