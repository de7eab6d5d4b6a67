"""A current XNNPACK for the native kernel: built once per machine from Debian's packages.

Debian bookworm's ``libxnnpack`` (2022) predates the AVX-512 kernel choices of the
XNNPACK inside LiteRT and has no dynamically quantized convolution (``qd8_f32_qc8w``,
2023), so the kernel links this static build of the version in Debian trixie instead:

- ``xnnpack``, ``pthreadpool``, ``fxdiv``: trixie's source packages (their upstream
  ``.orig.tar.xz``, checked against the SHA-256 that Debian's archive lists), built with
  CMake + Ninja as static, position-independent libraries, without tests or benchmarks
  (``native/xnnpack/CMakeLists.txt``);
- ``cpuinfo``: trixie's binary packages ``libcpuinfo0`` and ``libcpuinfo-dev`` (header and
  ``libcpuinfo.so.0``, which needs glibc 2.34), because the mirror has lost the source
  tarball of that version; the kernel library finds it beside itself (rpath $ORIGIN).

Cached in ``NSR_TF_XNNPACK_DIR`` (default ``xnnpack/`` in ``nsr_tf.files.cache_root()``)
under ``xnnpack-VERSION``; the downloads come from ``NSR_TF_DEBIAN_MIRROR``, else from
the Debian mirror this machine's apt sources name (``debian_mirror``), or from the
folder ``NSR_TF_XNNPACK_SOURCES`` when the files are already there (an offline machine).
Built by the native kernel's build
when missing, or ahead of time:

    python -m nsr_tf.export.xnnpack        # prints the install folder
"""

import argparse
import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

from tqdm import tqdm

from nsr_tf.errors import NsrError
from nsr_tf.files import cache_root

VERSION = "0.0~git20241108.4ea82e5"
# the CMake project that builds it, beside the kernel's sources
PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native", "xnnpack")
# where apt's sources are (deb822 ``*.sources`` and one-line ``*.list`` files)
APT_SOURCES = "/etc/apt"
# (pool path, SHA-256) as Debian trixie's archive lists them
SOURCES = {
    "xnnpack": ("x/xnnpack/xnnpack_0.0~git20241108.4ea82e5.orig.tar.xz",
                "90bde2caef0f880f627bab0dc805a86c4b8070cd98e3243db3046ab3f3be1a99"),
    "pthreadpool": ("p/pthreadpool/pthreadpool_0.0~git20240616.560c60d.orig.tar.xz",
                    "4cc3cbd933b28131d2a34edc54f76af9fb41bc490af5eae1a5bd3cd07ea90708"),
    "fxdiv": ("f/fxdiv/fxdiv_0.0~git20200417.b408327.orig.tar.xz",
              "7953482badaf4cb34026c3487c257b8e4ab2df061c019bd6fabbbc12ad52c44b"),
}
CPUINFO = {   # Debian architecture -> {package: (pool path, SHA-256)}
    "amd64": {
        "libcpuinfo0": ("c/cpuinfo/libcpuinfo0_0.0~git20250327.39ea79a-1_amd64.deb",
                        "e0cc014fe6e6ffb5c9a353ffa5af4c118e0010de419d8454c42256f9d2a52b21"),
        "libcpuinfo-dev": ("c/cpuinfo/libcpuinfo-dev_0.0~git20250327.39ea79a-1_amd64.deb",
                           "ea760e3b1593f6e143ec8fea175ea91698495d0b354d9138ee2c682c1aebcd1d"),
    },
}
LIBRARIES = ("libXNNPACK.a", "libmicrokernels-prod.a", "libpthreadpool.a", "libcpuinfo.so.0")
# XNNPACK's internal headers (src/xnnpack/ of its tree), installed as include/xnnpack/: the
# kernel rewrites a created operator's packed weights in place (dyn_conv.c, "State kept
# across runs"), which needs the operator's struct and the packing functions of this commit
INTERNAL_HEADERS = "xnnpack"


class XnnpackUnavailable(NsrError, RuntimeError):
    """XNNPACK could not be fetched or built here; the message says why in one line."""


def cache_dir():
    return os.environ.get("NSR_TF_XNNPACK_DIR") or os.path.join(cache_root(), "xnnpack")


def install_dir():
    """Where the build lives: ``include/`` (xnnpack.h, pthreadpool.h) and ``lib/``."""
    return os.path.join(cache_dir(), f"xnnpack-{VERSION.replace('~', '-')}")


def _libraries_installed():
    lib = os.path.join(install_dir(), "lib")
    return all(os.path.exists(os.path.join(lib, name)) for name in LIBRARIES)


def _headers_installed():
    return os.path.exists(os.path.join(install_dir(), "include", INTERNAL_HEADERS,
                                       "operator.h"))


def installed():
    return _libraries_installed() and _headers_installed()


def _copy_headers(tree, prefix):
    """xnnpack.h and XNNPACK's internal headers of ``tree`` into ``prefix``/include."""
    internal = os.path.join(prefix, "include", INTERNAL_HEADERS)
    if os.path.exists(internal):
        shutil.rmtree(internal)
    shutil.copytree(os.path.join(tree, "src", INTERNAL_HEADERS), internal)
    shutil.copy(os.path.join(tree, "include", "xnnpack.h"), os.path.join(prefix, "include"))


def _add_headers(echo):
    """An installation made before the internal headers were needed gets them: the source
    tarball only, no build (seconds)."""
    work = tempfile.mkdtemp(prefix="xnnpack-headers-", dir=cache_dir())
    try:
        pool_path, sha256 = SOURCES["xnnpack"]
        echo(f"XNNPACK: adding the internal headers of {VERSION}")
        archive = fetch(pool_path, sha256, work)
        os.makedirs(os.path.join(work, "xnnpack"))
        _copy_headers(_unpack_source(archive, os.path.join(work, "xnnpack")), install_dir())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compiler_args(prefix):
    """What a C compiler needs to build and link against the XNNPACK in ``prefix``: its
    headers, its static libraries (their symbols kept inside the output:
    ``--exclude-libs``, as LiteRT carries an XNNPACK of its own), cpuinfo's shared
    library (found by rpath) and the C++ and thread runtimes XNNPACK uses."""
    lib = os.path.join(prefix, "lib")
    return ["-I", os.path.join(prefix, "include"), "-Wl,--exclude-libs,ALL",
            *[os.path.join(lib, name) for name in LIBRARIES], f"-Wl,-rpath,{lib}",
            "-lstdc++", "-lpthread", "-lm"]


def _debian_arch():
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine())
    if arch not in CPUINFO:
        raise XnnpackUnavailable(f"no pinned cpuinfo package for this CPU "
                                 f"({platform.machine()}); the native kernel is built for "
                                 f"x86-64 Linux here (Android: android_demo's CMakeLists.txt)")
    return arch


def _apt_uris(root):
    """Every archive address in the apt sources under ``root``, in apt's order:
    ``sources.list``, then ``sources.list.d/*.list`` and ``*.sources`` by name."""
    files = [os.path.join(root, "sources.list")]
    folder = os.path.join(root, "sources.list.d")
    if os.path.isdir(folder):
        files += [os.path.join(folder, name) for name in sorted(os.listdir(folder))
                  if name.endswith((".list", ".sources"))]
    uris = []
    for path in files:
        try:
            lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split("#", 1)[0].split()
            if path.endswith(".sources") and words[:1] == ["URIs:"]:
                uris += words[1:]
            elif words[:1] == ["deb"] or words[:1] == ["deb-src"]:
                uris += [word for word in words[1:] if "://" in word][:1]
    return uris


def debian_mirror(root=None):
    """The Debian archive to download from: ``NSR_TF_DEBIAN_MIRROR``, else the first
    address in this machine's apt sources that serves Debian's main archive (its path
    ends in ``/debian``, not ``-security`` or ``-ports``). Raises XnnpackUnavailable in
    one line when neither names one: no host name is written into the code."""
    override = os.environ.get("NSR_TF_DEBIAN_MIRROR")
    if override:
        return override.rstrip("/")
    root = root or APT_SOURCES
    for uri in _apt_uris(root):
        if uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    raise XnnpackUnavailable(f"no Debian mirror in the apt sources under {root}: set "
                             f"NSR_TF_DEBIAN_MIRROR to one (the folder that holds pool/)")


def fetch(pool_path, sha256, folder):
    """The file ``pool_path`` of Debian's pool in ``folder``: taken from
    ``NSR_TF_XNNPACK_SOURCES`` if it is there, else downloaded; its SHA-256 checked."""
    name = os.path.basename(pool_path)
    local = os.environ.get("NSR_TF_XNNPACK_SOURCES")
    if local and os.path.exists(os.path.join(local, name)):
        with open(os.path.join(local, name), "rb") as handle:
            data = handle.read()
    else:
        url = f"{debian_mirror()}/pool/main/{pool_path}"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise XnnpackUnavailable(f"cannot download {url} ({reason}); offline, put the "
                                     f"file in a folder named by NSR_TF_XNNPACK_SOURCES") \
                from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise XnnpackUnavailable(f"{name}: SHA-256 {digest[:16]}... is not Debian's "
                                 f"{sha256[:16]}...")
    path = os.path.join(folder, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _unpack_source(archive, folder):
    """Unpacks a source tarball into ``folder``; returns its tree (the single top folder
    if it has one: Debian's orig tarballs differ)."""
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    entries = os.listdir(folder)
    only = os.path.join(folder, entries[0]) if len(entries) == 1 else None
    return only if only and os.path.isdir(only) else folder


def _deb_data(path):
    """The data tarball of a .deb (an ar archive), as an open ``tarfile``. Read here
    because dpkg-deb is not on every Linux."""
    with open(path, "rb") as handle:
        blob = handle.read()
    if not blob.startswith(b"!<arch>\n"):
        raise XnnpackUnavailable(f"{os.path.basename(path)} is not a .deb archive")
    offset = 8
    while offset + 60 <= len(blob):
        header = blob[offset:offset + 60]
        member = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        if member.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(blob[offset + 60:offset + 60 + size]))
        offset += 60 + size + (size % 2)
    raise XnnpackUnavailable(f"{os.path.basename(path)} holds no data.tar")


def _install_cpuinfo(debs, prefix):
    """cpuinfo.h and libcpuinfo.so.0 of the binary packages into ``prefix``."""
    for deb in debs:
        with _deb_data(deb) as tar:
            for member in tar.getmembers():
                name = os.path.basename(member.name)
                if member.isfile() and name in ("cpuinfo.h", "libcpuinfo.so.0"):
                    sub = "include" if name.endswith(".h") else "lib"
                    with tar.extractfile(member) as source, \
                            open(os.path.join(prefix, sub, name), "wb") as target:
                        shutil.copyfileobj(source, target)


def _run(command, cwd, log, progress=False):
    """Runs ``command``, its output into ``log``; ``progress``: a bar of ninja's
    ``[done/total]`` lines."""
    lines = []
    with open(log, "a") as handle, subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True) as process:
        handle.write(f"$ {' '.join(command)}\n")
        bar = None
        for line in process.stdout:
            handle.write(line)
            lines.append(line)
            match = re.match(r"\[(\d+)/(\d+)\]", line) if progress else None
            if match:
                if bar is None:
                    bar = tqdm(total=int(match[2]), desc="XNNPACK", unit="file")
                bar.update(int(match[1]) - bar.n)
        if bar is not None:
            bar.close()
    if process.returncode != 0:
        lines = [line.rstrip() for line in lines if line.strip()] or ["(no output)"]
        error = next((line for line in lines if "error" in line.lower()), lines[-1])
        raise XnnpackUnavailable(f"the XNNPACK build failed ({os.path.basename(command[0])}: "
                                 f"{error.strip()[:200]}); log: {log}")


def _tool(name):
    found = shutil.which(name)
    if not found:
        raise XnnpackUnavailable(f"building XNNPACK needs {name} (apt install cmake "
                                 f"ninja-build, or pip install cmake ninja)")
    return found


def build(jobs=None, echo=print):
    """Fetches and builds XNNPACK into ``install_dir()`` unless it is there; returns the
    folder. ``jobs``: parallel compiles (default: the CPU count)."""
    prefix = install_dir()
    if installed():
        return prefix
    if _libraries_installed():
        _add_headers(echo)
        return prefix
    cmake, ninja = _tool("cmake"), _tool("ninja")
    arch = _debian_arch()
    os.makedirs(cache_dir(), exist_ok=True)
    start = time.monotonic()
    work = tempfile.mkdtemp(prefix="xnnpack-build-", dir=cache_dir())
    log = os.path.join(work, "build.log")
    staging = f"{prefix}.{os.getpid()}.tmp"
    try:
        for sub in ("include", "lib"):
            os.makedirs(os.path.join(staging, sub), exist_ok=True)
        trees = {}
        for name, (pool_path, sha256) in SOURCES.items():
            echo(f"XNNPACK: fetching {os.path.basename(pool_path)}")
            archive = fetch(pool_path, sha256, work)
            os.makedirs(os.path.join(work, name))
            trees[name] = _unpack_source(archive, os.path.join(work, name))
        _install_cpuinfo([fetch(pool_path, sha256, work)
                          for pool_path, sha256 in CPUINFO[arch].values()], staging)
        build_dir = os.path.join(work, "build")
        echo(f"XNNPACK: building {VERSION} (static, no tests; minutes; log {log})")
        _run([cmake, "-G", "Ninja", "-S", PROJECT, "-B", build_dir,
              "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_MAKE_PROGRAM={ninja}",
              f"-DXNNPACK_SOURCE_DIR={trees['xnnpack']}",
              f"-DPTHREADPOOL_SOURCE_DIR={trees['pthreadpool']}",
              f"-DFXDIV_SOURCE_DIR={trees['fxdiv']}", f"-DCPUINFO_DIR={staging}"], work, log)
        _run([ninja, "-C", build_dir, f"-j{jobs or os.cpu_count() or 1}", "XNNPACK",
              "pthreadpool"], work, log, progress=True)
        for name in LIBRARIES[:3]:
            found = [os.path.join(folder, name) for folder, _, files in os.walk(build_dir)
                     if name in files]
            if not found:
                raise XnnpackUnavailable(f"the XNNPACK build made no {name}; log: {log}")
            shutil.copy(found[0], os.path.join(staging, "lib", name))
        _copy_headers(trees["xnnpack"], staging)
        shutil.copy(os.path.join(trees["pthreadpool"], "include", "pthreadpool.h"),
                    os.path.join(staging, "include"))
        if os.path.exists(prefix):
            shutil.rmtree(prefix)
        os.replace(staging, prefix)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    echo(f"XNNPACK: built in {time.monotonic() - start:.0f} s -> {prefix}")
    return prefix


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nsr_tf.export.xnnpack",
        description="Builds the XNNPACK that nsr-tf's native kernel links (Debian "
                    "trixie's xnnpack, pthreadpool and fxdiv sources, cpuinfo binary), once "
                    "per machine, and prints where it is.")
    parser.add_argument("--jobs", type=int, help="parallel compiles (default: CPU count)")
    parser.add_argument("--flags", action="store_true",
                        help="print the C compiler arguments that build against it instead "
                             "(headers, static libraries; after the source files)")
    args = parser.parse_args(argv)
    try:
        prefix = build(args.jobs, echo=lambda line: print(line, file=sys.stderr))
        print(" ".join(compiler_args(prefix)) if args.flags else prefix)
    except XnnpackUnavailable as error:
        print(f"xnnpack: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
