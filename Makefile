# synthkit: common tasks. Everything here needs only the Rust toolchain
# (benchmarks may also use jq, jaq, mlr and hyperfine when installed).

CARGO ?= cargo
RELEASE := target/release

.PHONY: all build test demo generate bench lint clean install-docs fuzz

all: build

build:
	$(CARGO) build --release --locked

# The whole test suite: unit, integration, property and docs-freshness tests.
test:
	$(CARGO) test --locked

# Builds in release mode and runs the demo pipeline on the bundled example data.
demo: build
	@sh examples/demo.sh $(RELEASE)

# Regenerates man/ and completions/ from the clap definitions.
generate:
	UPDATE_GENERATED=1 $(CARGO) test --locked --test integration -- generated reasons

# Throughput and memory, against jq/jaq/mlr where installed (see bench/README.md).
bench: build
	@sh bench/run.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

# Copies man pages and completions under PREFIX (default ~/.local).
PREFIX ?= $(HOME)/.local
install-docs:
	mkdir -p $(PREFIX)/share/man/man1 $(PREFIX)/share/bash-completion/completions \
		$(PREFIX)/share/zsh/site-functions $(PREFIX)/share/fish/vendor_completions.d
	cp man/*.1 $(PREFIX)/share/man/man1/
	for f in completions/*.bash; do cp $$f $(PREFIX)/share/bash-completion/completions/$$(basename $$f .bash); done
	cp completions/_* $(PREFIX)/share/zsh/site-functions/ 2>/dev/null || true
	rm -f $(PREFIX)/share/zsh/site-functions/*.ps1
	cp completions/*.fish $(PREFIX)/share/fish/vendor_completions.d/

clean:
	$(CARGO) clean
	rm -rf examples/out bench/data

# Runs every fuzz target for FUZZ_SECONDS each (stable toolchain; installs the
# pinned cargo-fuzz when missing). See fuzz/run.sh.
FUZZ_SECONDS ?= 300
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh
