#!/usr/bin/env bash
# `make demo`: the migration of sample_projects/widget_service, narrated.
# Runs on a temporary copy so the samples in the repository never change.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
epmigrate="${EPMIGRATE:-epmigrate}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$here/widget_service" "$work/"
cd "$work/widget_service"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The service loads API extensions by executing every file of a directory"
echo "   (the neutron rule): src/widget_service/extensions/"
ls src/widget_service/extensions

step "2. epmigrate scan: what the legacy loader would load, found without running it"
(set -x; "$epmigrate" scan src/widget_service/extensions \
    --base widget_service.api.extensions.ExtensionDescriptor --no-cache)

step "3. The entry-point section a migration writes"
(set -x; "$epmigrate" scan src/widget_service/extensions \
    --base widget_service.api.extensions.ExtensionDescriptor \
    --group widget_service.api.extensions --format ini --no-cache)

step "Done: 4 extensions found, 1 helper module skipped, nothing executed."
