"""The layers' requirements are what `make update-deps` generates from the one lock: a hand
edit of lambda.txt, imaging.txt or auth.txt, or a lock refreshed without them, fails here."""

from __future__ import annotations

from devkit import lock_deps


def test_every_layer_requirement_is_the_locked_pin_with_its_hashes() -> None:
    locked = lock_deps.entries(lock_deps.LOCK.read_text())
    for name in lock_deps.LAYERS:
        text = (lock_deps.REQUIREMENTS / name).read_text()
        assert text.startswith(lock_deps.GENERATED), name
        layer = lock_deps.entries(text)
        assert layer, name
        for package, lines in layer.items():
            assert lines == locked.get(package), f"{name}: {package} differs from lock.txt"
            assert "--hash=sha256:" in lines, f"{name}: {package} has no hash"


def test_the_imaging_and_auth_packages_are_in_their_own_layers_only() -> None:
    deps = lock_deps.entries((lock_deps.REQUIREMENTS / "lambda.txt").read_text())
    imaging = lock_deps.entries((lock_deps.REQUIREMENTS / "imaging.txt").read_text())
    auth = lock_deps.entries((lock_deps.REQUIREMENTS / "auth.txt").read_text())
    assert set(imaging) == lock_deps.IMAGING and set(auth) == lock_deps.AUTH
    assert not set(deps) & (lock_deps.IMAGING | lock_deps.AUTH)
    assert "boto3" in deps  # bundled: AWS and the emulators run the same SDK
    assert "cffi" in deps  # both cryptography and pyvips load libraries through it
