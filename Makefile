# The two commands (README.md): `make demo` and `make test`. Both install the
# Debian packages they need (as root; otherwise they print the apt-get line),
# configure with CMake, build, and run. `make bench` runs the benchmarks.

BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_TSAN  ?= build-tsan
BUILD_BENCH ?= build-bench
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build, the tests and the benchmarks use (chromium: the
# test of the HTML catalog reference drives it headless).
DEB_PACKAGES = cmake make pkg-config gcc g++ clang clang-format libclang-rt-14-dev \
               python3 python3-jinja2 python3-yaml python3-jsonschema \
               libcmocka-dev libjansson-dev libcjson-dev \
               libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev openssl \
               chromium

# The peers beacon-bench measures beacon against (bench/README.md); only
# `make bench` installs and requires them.
BENCH_PACKAGES = liblttng-ust-dev lttng-tools babeltrace2 python3-barectf libspdlog-dev

.PHONY: all deps configure build demo test node-validators test-unit test-asan test-tsan bench regen format clean

all: build

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "beacon: installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "beacon: missing Debian packages. Run as root:"; \
	    echo "  apt-get update && apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@echo "== observer demo: an upload's lifecycle through the generated API =="
	@echo "   (a throwaway hash key, so pii: hash fields show as keyed hashes;"
	@echo "    without BEACON_HASH_KEY they are written as [REDACTED])"
	BEACON_SINKS=stderr BEACON_HASH_KEY=hex:000102030405060708090a0b0c0d0e0f ./$(BUILD)/bin/observer-demo
	@echo "== the same catalog from the command line =="
	./$(BUILD)/bin/obs-emit patients.queried result_count=3 query_type=recent

test: build node-validators
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-asan test-tsan

# The ecosystems' own parsers the HTTP tests judge bodies with (OTLP, CloudEvents),
# from the committed package-lock.json. Without node those checks are skipped.
node-validators:
	@if command -v npm >/dev/null 2>&1; then \
	  cd tests/node && npm ci --no-audit --no-fund --loglevel=error; \
	else \
	  echo "beacon: node/npm not found: the OTLP and CloudEvents decoding checks will be skipped"; \
	fi

# The C suites again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DBEACON_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS) -LE codegen

# The concurrent parts under ThreadSanitizer.
test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) -DBEACON_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	cd $(BUILD_TSAN) && ctest --output-on-failure -j $(JOBS) -L concurrency

bench: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_PACKAGES)"
	cmake -S . -B $(BUILD_BENCH) -DCMAKE_BUILD_TYPE=Release -DBEACON_BUILD_TESTS=OFF \
	      -DBEACON_BENCH_PEERS=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD_BENCH) -j $(JOBS)
	./$(BUILD_BENCH)/bin/beacon-bench --json bench/results.json
	$$(sed -n 's/^BEACON_PYTHON:FILEPATH=//p' $(BUILD_BENCH)/CMakeCache.txt) bench/codegen_bench.py --json bench/results.json

# Refresh the committed generator output in generated/ and the catalog
# references in docs/events/ (their examples come from each catalog's built
# <prefix>-emit) for every shipped catalog.
regen: configure
	@py=$$(sed -n 's/^BEACON_PYTHON:FILEPATH=//p' $(BUILD)/CMakeCache.txt); \
	for cat in schema/*.yaml; do \
	  name=$$(basename $$cat .yaml); \
	  PYTHONPATH=. $$py -m codegen generate $$cat -o generated/$$name --source-name $$cat --cli || exit 1; \
	done; \
	for cat in schema/*.yaml; do \
	  prefix=$$(sed -n 's/^prefix:[[:space:]]*\([a-z0-9_]*\).*/\1/p' $$cat); \
	  [ -n "$$prefix" ] || prefix=$$(sed -n 's/^catalog:[[:space:]]*\([a-z0-9_]*\).*/\1/p' $$cat); \
	  cmake --build $(BUILD) -j $(JOBS) --target $$prefix-emit >/dev/null || exit 1; \
	  PYTHONPATH=. $$py -m codegen docs $$cat -o docs/events --source-name $$cat \
	    --emitter $(BUILD)/bin/$$prefix-emit || exit 1; \
	done

format:
	@# same file set as the style.clang_format test
	clang-format -i runtime/include/beacon/*.h runtime/src/*/*.[ch] examples/*.c tests/unit/*.[ch] tests/consumer/*.c tests/plugin/*.c bench/*.[ch]

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_BENCH)
