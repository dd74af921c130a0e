#!/usr/bin/env bash
# Usage: mkvenv.sh DIR
#
# Creates a virtualenv in DIR for trying migrated projects offline: it sees
# the packages of the Python running this script (the one first on PATH, or
# $PYTHON) through a .pth file, so epmigrate, stevedore, setuptools and pip
# need no download, and its pip installs local projects without an index or
# a build environment. DIR/bin/pip installs into DIR only.
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "$0: $python not found; set PYTHON to the Python that has epmigrate installed" >&2
    exit 1
fi
# Checked before anything is created: no half-built virtualenv on failure.
if ! "$python" -c 'import epmigrate, stevedore' 2>/dev/null; then
    echo "$0: $("$python" -c 'import sys; print(sys.executable)' 2>/dev/null || echo "$python")" \
        "cannot import epmigrate and stevedore, which the new virtualenv borrows from it." >&2
    echo "  hint: run this with the Python of epmigrate's virtualenv first on PATH" \
        "(PATH=/path/to/.venv/bin:\$PATH), or set PYTHON=/path/to/.venv/bin/python;" \
        "'make test' or 'make demo' creates .venv" >&2
    exit 1
fi
if [ -e "$1" ] && [ -n "$(ls -A "$1" 2>/dev/null)" ]; then
    echo "$0: $1 exists and is not empty; name a new directory" >&2
    exit 1
fi
created=
[ -e "$1" ] || created=yes
# A failure past this point removes what it made.
trap 'status=$?; if [ $status -ne 0 ] && [ -n "$created" ]; then rm -rf -- "$1"; fi' EXIT
"$python" -m venv --without-pip "$1"
dir="$(cd "$1" && pwd)"
site="$("$dir/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
# The outer site-packages, and epmigrate's own directory: .pth files are not
# read in directories added by a .pth, so an editable install needs naming.
"$python" - > "$site/_outer_env.pth" <<'PY'
import os, sysconfig
import epmigrate
print(sysconfig.get_path("purelib"))
print(os.path.dirname(os.path.dirname(os.path.abspath(epmigrate.__file__))))
PY
# pip reads DIR/pip.conf when it runs in DIR. It reads a negated option
# the other way round: "no-build-isolation = false" turns isolation off.
cat > "$dir/pip.conf" <<'CONF'
[global]
disable-pip-version-check = true
no-index = true
progress-bar = off

[install]
no-deps = true
no-build-isolation = false
CONF
cat > "$dir/bin/pip" <<SH
#!/bin/sh
exec "$dir/bin/python" -m pip "\$@"
SH
chmod +x "$dir/bin/pip"
