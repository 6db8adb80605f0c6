"""Runs the built command-line emitters (`<prefix>-emit`) of the shipped
catalogs and of the privacy fixture, so generator tests can hold real runtime
output against what the generator derives. ctest passes the directory of the
built programs as BEACON_BIN_DIR; run by hand, build/bin is used.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from codegen import samples  # noqa: E402
from codegen.validate import load_catalog  # noqa: E402

HASH_KEY = "hex:000102030405060708090a0b0c0d0e0f"

# Catalog files whose emitters the build makes.
CATALOGS = sorted([os.path.join("schema", f) for f in os.listdir(os.path.join(ROOT, "schema"))
                   if f.endswith(".yaml")] + ["tests/unit/catalogs/privacy.yaml"])


def bin_dir():
    """The directory holding the built emitters, or None when there is none."""
    d = os.environ.get("BEACON_BIN_DIR") or os.path.join(ROOT, "build", "bin")
    return d if os.path.isdir(d) else None


def load(path):
    cat, diags = load_catalog(os.path.join(ROOT, path), display_path=path)
    if cat is None:
        raise AssertionError([str(d) for d in diags])
    cat.source_path = path
    return cat


def emitter(cat):
    return os.path.join(bin_dir() or "", f"{cat.prefix}-emit")


def emit(cat, hash_key=None, lines=None):
    """NDJSON lines the catalog's emitter writes to a file sink for `lines`
    (default: samples.lines(cat), every field of every event set), with every
    context field set, under `hash_key` (None: no key configured)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEACON_")}
    if hash_key:
        env["BEACON_HASH_KEY"] = hash_key
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.ndjson")
        cmd = [emitter(cat), "--sink", f"file:{out}"] + samples.context_args(cat) + ["-"]
        text = "".join(line + "\n" for line in (lines or samples.lines(cat)))
        proc = subprocess.run(cmd, input=text.encode("utf-8"), env=env, capture_output=True)
        if proc.returncode != 0:
            raise AssertionError(f"{cmd[0]} exited {proc.returncode}: {proc.stderr.decode()}")
        with open(out, encoding="utf-8") as fh:
            return fh.read().splitlines()
