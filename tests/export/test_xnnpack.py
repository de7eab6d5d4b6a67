"""The XNNPACK build's downloads and unpacking, against a local server (no internet)."""

import functools
import hashlib
import http.server
import io
import os
import tarfile
import threading

import pytest

from nsr_tf.export import xnnpack


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server of ``tmp_path/pool/main/...``, as Debian's mirror lays it out."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def put(root, pool_path, data):
    path = root / "pool" / "main" / pool_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_a_download_is_checked_against_debians_checksum(mirror, tmp_path, monkeypatch):
    root, url = mirror
    monkeypatch.setenv("NSR_TF_DEBIAN_MIRROR", url)
    monkeypatch.delenv("NSR_TF_XNNPACK_SOURCES", raising=False)
    digest = put(root, "x/xnnpack/a.orig.tar.xz", b"source")
    out = tmp_path / "out"
    out.mkdir()
    path = xnnpack.fetch("x/xnnpack/a.orig.tar.xz", digest, str(out))
    assert open(path, "rb").read() == b"source"
    with pytest.raises(xnnpack.XnnpackUnavailable, match="a.orig.tar.xz: SHA-256 .* not "
                                                         "Debian's"):
        xnnpack.fetch("x/xnnpack/a.orig.tar.xz", "0" * 64, str(out))
    # offline: one line naming the address and the way round it
    monkeypatch.setenv("NSR_TF_DEBIAN_MIRROR", "http://127.0.0.1:9")
    with pytest.raises(xnnpack.XnnpackUnavailable, match=r"cannot download http://127\.0\.0"
                                                         r"\.1:9/pool/main/x/xnnpack/a\.orig"
                                                         r"\.tar\.xz .*NSR_TF_XNNPACK_SOURCES"):
        xnnpack.fetch("x/xnnpack/a.orig.tar.xz", digest, str(out))
    # the same file from a local folder: no download
    local = tmp_path / "sources"
    local.mkdir()
    (local / "a.orig.tar.xz").write_bytes(b"source")
    monkeypatch.setenv("NSR_TF_XNNPACK_SOURCES", str(local))
    assert open(xnnpack.fetch("x/xnnpack/a.orig.tar.xz", digest, str(out)), "rb").read() == \
        b"source"


def _deb(members):
    """A .deb as Debian writes it: an ar archive of debian-binary, control and data."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    out = b"!<arch>\n"
    for name, content in (("debian-binary", b"2.0\n"), ("control.tar.xz", b"x"),
                          ("data.tar.xz", data.getvalue())):
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(content):<10}`\n".encode()
        out += content + (b"\n" if len(content) % 2 else b"")
    return out


def test_cpuinfo_is_taken_from_debians_binary_packages(tmp_path):
    runtime = tmp_path / "libcpuinfo0.deb"
    runtime.write_bytes(_deb({"./usr/lib/x86_64-linux-gnu/libcpuinfo.so.0": b"ELF",
                              "./usr/share/doc/libcpuinfo0/copyright": b"BSD"}))
    dev = tmp_path / "libcpuinfo-dev.deb"
    dev.write_bytes(_deb({"./usr/include/cpuinfo.h": b"#define CPUINFO_H"}))
    prefix = tmp_path / "prefix"
    (prefix / "include").mkdir(parents=True)
    (prefix / "lib").mkdir()
    xnnpack._install_cpuinfo([str(runtime), str(dev)], str(prefix))
    assert (prefix / "lib" / "libcpuinfo.so.0").read_bytes() == b"ELF"
    assert (prefix / "include" / "cpuinfo.h").read_bytes() == b"#define CPUINFO_H"
    assert sorted(os.listdir(prefix / "lib")) == ["libcpuinfo.so.0"]
    bad = tmp_path / "bad.deb"
    bad.write_bytes(b"not an archive")
    with pytest.raises(xnnpack.XnnpackUnavailable, match="bad.deb is not a .deb archive"):
        xnnpack._install_cpuinfo([str(bad)], str(prefix))


def test_the_kernel_links_the_static_build_and_keeps_its_symbols_inside(tmp_path):
    args = xnnpack.compiler_args(str(tmp_path))
    lib = str(tmp_path / "lib")
    assert args[:2] == ["-I", str(tmp_path / "include")]
    assert [a for a in args if a.startswith(lib)] == [
        os.path.join(lib, name) for name in ("libXNNPACK.a", "libmicrokernels-prod.a",
                                             "libpthreadpool.a", "libcpuinfo.so.0")]
    assert "-Wl,--exclude-libs,ALL" in args and f"-Wl,-rpath,{lib}" in args


def test_a_failed_build_step_is_one_line_with_its_error_and_log(tmp_path):
    log = str(tmp_path / "build.log")
    with pytest.raises(xnnpack.XnnpackUnavailable, match=r"the XNNPACK build failed \(sh: "
                                                         r"conv\.c:1: error: no such type\); "
                                                         r"log: .*build\.log"):
        xnnpack._run(["sh", "-c", "echo '[1/2] cc a.c'; echo 'conv.c:1: error: no such type';"
                      " echo '[2/2] cc b.c'; exit 1"], str(tmp_path), log, progress=True)
    assert "[2/2] cc b.c" in open(log).read()     # the whole output is kept


def loopback(n, path, scheme="http"):
    """A made-up mirror address on the loopback network (no host name)."""
    return f"{scheme}://127.0.0.{n}/{path}"


def test_the_mirror_is_read_from_apt_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("NSR_TF_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list.d").mkdir()
    # deb822, as Debian 12 writes it: the security archive first, then the main one
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        f"Types: deb\n# a comment\nURIs: {loopback(2, 'debian-security')}\n"
        f"Suites: bookworm-security\n\nTypes: deb\nURIs: {loopback(2, 'debian/')}\n"
        "Suites: bookworm\nComponents: main\n")
    (tmp_path / "sources.list.d" / "other.list").write_text(
        f"deb {loopback(3, 'node', 'https')} nodistro main\n")
    assert xnnpack.debian_mirror(str(tmp_path)) == loopback(2, "debian")
    # a one-line sources.list wins: apt reads it first
    (tmp_path / "sources.list").write_text(
        f"deb [arch=amd64] {loopback(4, 'debian')} bookworm main\n")
    assert xnnpack.debian_mirror(str(tmp_path)) == loopback(4, "debian")
    # the override wins over both
    monkeypatch.setenv("NSR_TF_DEBIAN_MIRROR", loopback(5, "debian/"))
    assert xnnpack.debian_mirror(str(tmp_path)) == loopback(5, "debian")


def test_no_mirror_anywhere_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("NSR_TF_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list").write_text(f"deb {loopback(3, 'node', 'https')} nodistro main\n")
    with pytest.raises(xnnpack.XnnpackUnavailable, match="no Debian mirror .* set "
                                                         "NSR_TF_DEBIAN_MIRROR"):
        xnnpack.debian_mirror(str(tmp_path))



def test_an_install_without_the_internal_headers_gets_them_without_a_build(mirror, tmp_path,
                                                                           monkeypatch):
    # An XNNPACK built before the kernel needed its internal headers (libraries only): the
    # source tarball is fetched (here from a local mirror) and only the headers copied in;
    # no cmake, no ninja.
    root, url = mirror
    tree = io.BytesIO()
    with tarfile.open(fileobj=tree, mode="w:xz") as tar:
        for name, content in (("xnnpack-src/include/xnnpack.h", b"/* public */"),
                              ("xnnpack-src/src/xnnpack/operator.h", b"/* internal */"),
                              ("xnnpack-src/src/xnnpack/pack.h", b"/* packing */")):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    pool_path = "x/xnnpack/test.orig.tar.xz"
    digest = put(root, pool_path, tree.getvalue())
    monkeypatch.setitem(xnnpack.SOURCES, "xnnpack", (pool_path, digest))
    monkeypatch.setenv("NSR_TF_DEBIAN_MIRROR", url)
    monkeypatch.delenv("NSR_TF_XNNPACK_SOURCES", raising=False)
    monkeypatch.setenv("NSR_TF_XNNPACK_DIR", str(tmp_path / "cache"))
    lib = os.path.join(xnnpack.install_dir(), "lib")
    os.makedirs(lib)
    for name in xnnpack.LIBRARIES:
        open(os.path.join(lib, name), "wb").close()
    assert not xnnpack.installed()
    monkeypatch.setattr(xnnpack, "_tool", lambda name: pytest.fail(f"{name} was run"))
    lines = []
    assert xnnpack.build(echo=lines.append) == xnnpack.install_dir()
    include = os.path.join(xnnpack.install_dir(), "include")
    assert open(os.path.join(include, "xnnpack", "operator.h")).read() == "/* internal */"
    assert open(os.path.join(include, "xnnpack.h")).read() == "/* public */"
    assert xnnpack.installed() and lines == [f"XNNPACK: adding the internal headers of "
                                             f"{xnnpack.VERSION}"]
