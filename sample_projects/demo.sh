#!/usr/bin/env bash
# `make demo`: the migration of sample_projects/widget_service, narrated.
#
# EPMIGRATE names the epmigrate command (default: the one on PATH); the
# Python next to it runs the demo's virtualenv, which sees that Python's
# packages, so nothing is downloaded. Everything happens in a temporary
# directory: the samples in the repository and the virtualenv EPMIGRATE
# lives in are never changed.
set -euo pipefail
umask 022   # the hybrid loader refuses group- or world-writable legacy directories
here="$(cd "$(dirname "$0")" && pwd)"
epmigrate="$(command -v "${EPMIGRATE:-epmigrate}")" || {
    echo "demo.sh: no epmigrate command (set EPMIGRATE)" >&2
    exit 2
}
epmigrate="$(cd "$(dirname "$epmigrate")" && pwd)/$(basename "$epmigrate")"
python="$(dirname "$epmigrate")/python"
started=$SECONDS

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"   # epmigrate's and stevedore's caches
unset EPMIGRATE_LEGACY WIDGET_API_EXTENSIONS_PATH
cp -R "$here/widget_service" "$here/widget_plugins" "$here/widget_contrib" "$work/"
mkdir -p "$work/etc/api_extensions"
chmod 755 "$work/etc/api_extensions"
cd "$work"

bold=$'\033[1m' plain=$'\033[0m'
[ -t 1 ] || bold='' plain=''
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { printf '   %s\n' "$@"; }
run() {
    printf '$ %s\n' "$*"
    "$@"
}
# Commands are shown as typed; "epmigrate" is the one from EPMIGRATE.
epmigrate() { "$epmigrate" "$@"; }

step "1. widget_service loads API extensions by executing every file of a directory"
say "(the neutron rule: sorted *.py, class stem.capitalize()); its own directory:"
run ls widget_service/src/widget_service/extensions

step "2. epmigrate scan: what the legacy loader would load, found without running it"
cd widget_service
run epmigrate scan src/widget_service/extensions \
    --base widget_service.api.extensions.ExtensionDescriptor

step "3. epmigrate write: the entry points, into the file the build reads"
say "([tool.epmigrate] in pyproject.toml gives the directory, profile, group and base)"
run epmigrate write
run epmigrate write --check
say "--check exits 0: nothing left to write (CI runs it to keep it so)"
cd ..

step "4. A virtualenv for the service, with widget_plugins, a third party's package"
say "that already ships entry points (the virtualenv reuses this Python's packages:"
say "no download)"
run env PYTHON="$python" bash "$here/mkvenv.sh" venv
run venv/bin/pip install -q ./widget_service ./widget_plugins

step "5. The operator's api_extensions_path holds widget_contrib's loose files"
run cp widget_contrib/sprockets.py widget_contrib/audit_log.py etc/api_extensions/
say "The service loads entry points first, then the legacy files no entry point"
say "provides, with one warning for each:"
run venv/bin/python -m widget_service list-extensions --legacy-path etc/api_extensions 2>&1
say "epmigrate verify agrees that the legacy path is still needed:"
code=0
run epmigrate verify widget_service.api.extensions --legacy-path etc/api_extensions \
    --python venv/bin/python || code=$?
say "(exit status $code)"
[ "$code" -eq 1 ]

step "6. epmigrate write --new-package: the loose files become an installable package"
run epmigrate write --new-package widget-contrib --path widget_contrib \
    --group widget_service.api.extensions \
    --base widget_service.api.extensions.ExtensionDescriptor \
    --search-path widget_service/src widget_contrib_pkg
run venv/bin/pip install -q ./widget_contrib_pkg
say "The operator removes the copies: the package provides them now (a copy left"
say "behind is dead code, and the service would warn about it)."
run rm etc/api_extensions/sprockets.py etc/api_extensions/audit_log.py

step "7. Every extension now comes from an entry point, without a warning"
run venv/bin/python -m widget_service list-extensions --legacy-path etc/api_extensions \
    2>"$work/stderr"
if [ -s "$work/stderr" ]; then
    cat "$work/stderr" >&2
    say "unexpected output on stderr (above)"
    exit 1
fi
say "(nothing on stderr)"

step "8. epmigrate verify: the legacy path can be switched off"
own="$(venv/bin/python -c 'from widget_service.api import extensions; print(extensions.EXTENSIONS_DIR)')"
say "The service's legacy path is its own extension directory plus api_extensions_path:"
run epmigrate verify widget_service.api.extensions --legacy-path "$own" \
    --legacy-path etc/api_extensions --python venv/bin/python
say "EPMIGRATE_LEGACY=off switches it off without a code change:"
run env EPMIGRATE_LEGACY=off venv/bin/python -m widget_service list-extensions \
    --legacy-path etc/api_extensions

step "Done in $((SECONDS - started)) s"
say "widget_service: 4 entry points written to pyproject.toml, 1 helper module skipped"
say "widget_plugins: 2 entry points, already there"
say "widget_contrib: 2 loose files turned into the package widget-contrib"
say "8 extensions, all from entry points; epmigrate verify exits 0."
