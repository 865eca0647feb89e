# A thin front door over CMake. The README's two commands:
#   make run    build (Release) and run the default scenario, print its verdict
#   make test   build Release (gcc), sanitizers (gcc -O0, ASan+UBSan) and clang
#               -O2, run every test in each, compare trace hashes across the
#               three builds, and smoke-run the parser's fuzz target
# Both install missing Debian packages first (scripts/deps.sh).

SCENARIO ?= scenarios/quickstart.scn
JOBS ?= 2
CMAKE_COMMON = -DPODSIM_WERROR=ON
FUZZ_SECONDS ?= 20

FUZZ_CI_SEEDS ?= 4000

.PHONY: run test deps release sanitize clang fuzz-build fuzz-smoke fuzz-ci planted bench clean

run: deps release
	./build/release/podsim run $(SCENARIO)

test: deps release sanitize clang fuzz-build
	ctest --test-dir build/release --output-on-failure -j $(JOBS)
	ctest --test-dir build/sanitize --output-on-failure -j $(JOBS)
	ctest --test-dir build/clang --output-on-failure -j $(JOBS)
	bash tests/cross_build_hashes.sh build/release/podsim build/sanitize/podsim build/clang/podsim
	$(MAKE) --no-print-directory fuzz-smoke

deps:
	@bash scripts/deps.sh

release:
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc $(CMAKE_COMMON) >/dev/null
	cmake --build build/release -j $(JOBS)

sanitize:
	cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc -DPODSIM_SANITIZE=ON -DPODSIM_BENCH=OFF $(CMAKE_COMMON) >/dev/null
	cmake --build build/sanitize -j $(JOBS)

clang:
	cmake -S . -B build/clang -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DPODSIM_BENCH=OFF $(CMAKE_COMMON) >/dev/null
	cmake --build build/clang -j $(JOBS)

fuzz-build:
	cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 -DCMAKE_C_COMPILER=clang -DPODSIM_FUZZ=ON $(CMAKE_COMMON) >/dev/null
	cmake --build build/fuzz -j $(JOBS)

# A short libFuzzer run of every fuzz target from its seed corpus.
fuzz-smoke: fuzz-build
	bash fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

# A bounded fuzz campaign of the default fuzz scenario (CI runs it).
fuzz-ci: deps release
	./build/release/podsim fuzz scenarios/fuzz.scn --seeds $(FUZZ_CI_SEEDS) -j $(JOBS)

# podsim with the planted bug of docs/fuzzing.md (a test-only build switch).
planted: deps
	cmake -S . -B build/planted -DCMAKE_BUILD_TYPE=Release -DPODSIM_TESTS=OFF -DPODSIM_BENCH=OFF \
	  -DCMAKE_C_FLAGS=-DPODSIM_TEST_BREAK_KEEP_TORN_TAIL >/dev/null
	cmake --build build/planted -j $(JOBS)

bench: deps release
	./build/release/bench/bench_sched 1000
	./build/release/bench/bench_sched 100000 5000000
	./build/release/bench/bench_wal
	./build/release/bench/bench_fuzz
	./build/release/bench/bench_cluster

clean:
	rm -rf build
