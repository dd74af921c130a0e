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
