"""beacon used as a library by a project outside its tree (tests/consumer).

The consumer program, with its own catalog, is built and run four ways:

- find_package(beacon) against `cmake --install <build> --prefix P` of the
  build under test;
- find_package(beacon) against a second beacon build configured for a
  Debian-style /usr layout (CMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu) and
  installed with DESTDIR;
- add_subdirectory() of the source tree from a parent project in another
  directory (beacon then builds only its libraries and sets nothing for the
  parent);
- a plain Makefile using pkg-config and the installed bin/beacon-gen,
  linking the shared runtime, and a static program with `--static`.

find_package also builds it once more with BEACON_LINK_STATIC
(beacon::runtime_static).

Each run's events (a file: sink) are checked: names, fields, the begin/follow
correlation, and the pii: hash field present only as its keyed hash.
The paths come from CMake: BEACON_SOURCE_DIR, BEACON_BUILD_DIR, CMAKE, CC.
"""

import glob
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("BEACON_SOURCE_DIR")
BUILD = os.environ.get("BEACON_BUILD_DIR")
CMAKE = os.environ.get("CMAKE", "cmake")
CC = os.environ.get("CC", "cc")
CONSUMER = os.path.join(SOURCE or "", "tests", "consumer")
KEY = bytes(range(16))
EMAIL = "ada@example.org"
JOBS = "2"


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kw)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def configure(src, build, *args, cwd=None):
    run([CMAKE, "-S", src, "-B", build, f"-DCMAKE_C_COMPILER={CC}", *args], cwd=cwd)
    run([CMAKE, "--build", build, "-j", JOBS])


def build_beacon(build, *args):
    """A beacon of its own with only the libraries (Debug: quickest to compile)."""
    configure(SOURCE, build, "-DCMAKE_BUILD_TYPE=Debug", "-DBEACON_BUILD_TESTS=OFF",
              "-DBEACON_BUILD_EXAMPLES=OFF", "-DBEACON_BUILD_BENCH=OFF", *args)


def needed_libs(program):
    out = run(["readelf", "-d", program]).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


@unittest.skipUnless(SOURCE and BUILD, "BEACON_SOURCE_DIR/BEACON_BUILD_DIR not set (registered by CMake)")
class ConsumerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="beacon-consumer-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        run([CMAKE, "--install", BUILD, "--prefix", cls.prefix])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_consumer(self, program, name, shared=True):
        """Runs the consumer and checks the events it wrote."""
        if shared:
            self.assertIn("libbeacon.so.0", needed_libs(program), "links the shared runtime")
        else:
            self.assertNotIn("libbeacon.so.0", needed_libs(program), "links the static runtime")
        events_path = os.path.join(self.tmp, name + ".ndjson")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEACON_")}
        env.pop("LD_LIBRARY_PATH", None)
        proc = run([program, events_path], env=env)
        self.assertIn("0 failure(s)", proc.stdout)
        with open(events_path, encoding="utf-8") as f:
            raw = f.read()
        events = [json.loads(line) for line in raw.splitlines()]
        self.assertEqual([e["event"] for e in events], ["job.started", "job.finished"])
        started, finished = events
        self.assertEqual(started["catalog"], "consumer")
        self.assertEqual(started["data"]["kind"], "resize")
        self.assertEqual(started["data"]["owner_email"],
                         hmac.new(KEY, EMAIL.encode(), hashlib.sha256).hexdigest()[:32])
        self.assertEqual(started["hash_key"], "consumer-key")
        self.assertNotIn(EMAIL, raw)
        self.assertEqual(finished["data"]["items"], 42)
        self.assertRegex(started["trace_id"], "^[0-9a-f]{32}$")
        self.assertEqual(finished["trace_id"], started["trace_id"])

    def test_shared_library_exports(self):
        libs = {os.path.basename(p): p for p in glob.glob(os.path.join(self.prefix, "lib*", "libbeacon*.so.0"))}
        self.assertEqual(sorted(libs), ["libbeacon.so.0", "libbeacon_cli.so.0"])
        for soname, path in libs.items():
            dynamic = run(["readelf", "-d", path]).stdout
            self.assertIn(f"Library soname: [{soname}]", dynamic)
        runtime = run(["nm", "-D", "--defined-only", libs["libbeacon.so.0"]]).stdout.split("\n")
        symbols = {line.split()[-1] for line in runtime if line.strip()}
        # The public API, the generated-code ABI (functions, the thread lane,
        # the globals) and the internal entries libbeacon_cli needs.
        for name in ("beacon_init", "beacon_version", "beacon_gen4_emit", "beacon_gen4_lane_tls",
                     "beacon_gen4_g", "beacon__elem_size"):
            self.assertIn(name, symbols)
        self.assertEqual([s for s in symbols if not s.startswith("beacon_")], [])
        # Internal runtime functions (beacon__*) stay hidden.
        self.assertEqual(sorted(s for s in symbols if s.startswith("beacon__")),
                         ["beacon__elem_size", "beacon__field_value_ok",
                          "beacon__field_verdict_text", "beacon__hex_decode"])

    def test_find_package(self):
        build = os.path.join(self.tmp, "find-package")
        configure(CONSUMER, build, f"-DCMAKE_PREFIX_PATH={self.prefix}")
        self.run_consumer(os.path.join(build, "consumer"), "find-package")
        # beacon::runtime_static instead of beacon::runtime
        build = os.path.join(self.tmp, "find-package-static")
        configure(CONSUMER, build, f"-DCMAKE_PREFIX_PATH={self.prefix}", "-DBEACON_LINK_STATIC=ON")
        self.run_consumer(os.path.join(build, "consumer"), "find-package-static", shared=False)

    def test_find_package_debian_libdir(self):
        beacon = os.path.join(self.tmp, "debian-beacon")
        root = os.path.join(self.tmp, "debian-root")
        build_beacon(beacon, "-DCMAKE_INSTALL_PREFIX=/usr", "-DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu")
        run([CMAKE, "--install", beacon], env={**os.environ, "DESTDIR": root})
        usr = os.path.join(root, "usr")
        libdir = os.path.join(usr, "lib", "x86_64-linux-gnu")
        for path in ("libbeacon.so.0", "libbeacon.a", "cmake/beacon/beaconConfig.cmake",
                     "pkgconfig/beacon.pc"):
            self.assertTrue(os.path.exists(os.path.join(libdir, path)), path)
        self.assertTrue(os.access(os.path.join(usr, "bin", "beacon-gen"), os.X_OK))
        with open(os.path.join(libdir, "pkgconfig", "beacon.pc"), encoding="utf-8") as f:
            pc = f.read()
        self.assertIn("prefix=/usr\n", pc)
        self.assertIn("libdir=${prefix}/lib/x86_64-linux-gnu\n", pc)

        build = os.path.join(self.tmp, "debian-consumer")
        configure(CONSUMER, build, f"-DCMAKE_PREFIX_PATH={usr}")
        self.run_consumer(os.path.join(build, "consumer"), "debian")

    def test_add_subdirectory(self):
        parent = os.path.join(self.tmp, "parent")
        os.makedirs(parent)
        with open(os.path.join(parent, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("cmake_minimum_required(VERSION 3.21)\n"
                    "project(parent LANGUAGES C)\n"
                    f'add_subdirectory("{SOURCE}" beacon)\n'
                    f'add_subdirectory("{CONSUMER}" consumer)\n')
        build = os.path.join(self.tmp, "parent-build")
        # Run from a directory that is neither tree.
        configure(parent, build, cwd=self.tmp)
        cache = {}
        with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
            for line in f:
                if ":" in line and "=" in line and not line.startswith(("//", "#")):
                    name, value = line.rstrip("\n").split("=", 1)
                    cache[name.split(":", 1)[0]] = value
        self.assertEqual(cache.get("CMAKE_BUILD_TYPE", ""), "", "the parent's build type is its own")
        self.assertNotIn("CMAKE_CXX_COMPILER", cache, "no C++ needed without tests")
        self.assertNotIn("CMOCKA_FOUND", cache, "no cmocka needed without tests")
        self.assertEqual(cache.get("BEACON_BUILD_TESTS"), "OFF")
        self.assertFalse(glob.glob(os.path.join(build, "**", "observer-demo"), recursive=True),
                         "examples build only when beacon is the top-level project")
        self.run_consumer(os.path.join(build, "consumer", "consumer"), "add-subdirectory")

    def test_pkg_config_makefile(self):
        pcs = glob.glob(os.path.join(self.prefix, "lib*", "pkgconfig", "beacon.pc"))
        self.assertEqual(len(pcs), 1, pcs)
        env = {**os.environ,
               "PKG_CONFIG_PATH": os.path.dirname(pcs[0]),
               "PATH": os.path.join(self.prefix, "bin") + os.pathsep + os.environ.get("PATH", "")}
        env.pop("LD_LIBRARY_PATH", None)
        env.pop("BEACON_PYTHON", None)

        def pkg(*args):
            return run(["pkg-config", *args, "beacon"], env=env).stdout.split()

        self.assertEqual(pkg("--variable=prefix"), [self.prefix], "the prefix given at install time")
        self.assertIn(f"-I{self.prefix}/include", pkg("--cflags"))
        self.assertEqual(pkg("--libs")[-1], "-lbeacon")
        static = pkg("--static", "--libs")
        for flag in ("-lbeacon", "-lcrypto", "-lcurl", "-lz", "-lzstd", "-lm"):
            self.assertIn(flag, static)

        out = os.path.join(self.tmp, "makefile")
        os.makedirs(out)
        run(["make", "-f", os.path.join(CONSUMER, "Makefile"), f"OUT={out}", f"CC={CC}"],
            env=env, cwd=self.tmp)
        self.run_consumer(os.path.join(out, "consumer"), "makefile")
        static = os.path.join(out, "consumer-static")
        self.assertNotIn("libbeacon.so.0", needed_libs(static),
                         "pkg-config --static links the static runtime")
        self.run_consumer(static, "makefile-static", shared=False)


if __name__ == "__main__":
    unittest.main()
