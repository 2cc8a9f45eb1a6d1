#!/usr/bin/env bash
# Best effort: install Debian's chromium for the test that opens the tour's report in a headless
# browser (tests/cli/test_tour.py). Never fails: without chromium that one test skips with a
# message. Skipped when chromium is already there, when SLOI_NO_APT is set, or when apt-get
# cannot run without a password prompt.
set -u
if [ -n "${SLOI_NO_APT:-}" ] || command -v chromium >/dev/null 2>&1 \
        || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: no apt-get here; the headless-browser test will skip"
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "chromium: apt-get needs a password here; the headless-browser test will skip"
    exit 0
fi
echo "chromium: installing Debian's chromium for the report test (SLOI_NO_APT=1 skips this)"
export DEBIAN_FRONTEND=noninteractive
if timeout 600 $SUDO apt-get update -qq >/dev/null 2>&1 \
        && timeout 900 $SUDO apt-get install -y -qq --no-install-recommends chromium \
            >/dev/null 2>&1; then
    echo "chromium: installed"
else
    echo "chromium: could not be installed; the headless-browser test will skip"
fi
exit 0
