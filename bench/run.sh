#!/usr/bin/env bash
# The duodhcp benchmark in one command (as root):
#
#   sudo bash bench/run.sh            # full run, about 10-15 minutes
#   sudo bash bench/run.sh --quick    # about 3-4 minutes
#
# Installs what is missing with apt-get (no daemon is started: a
# policy-rc.d that says 101 is in place during the install), builds
# duodhcpd and the bench tools, then runs bench/bench.py with Debian's
# python3.  Extra arguments go to bench.py (see --help there).
#
# Environment: BENCH_BUILD (build folder, default /var/tmp/duodhcp-bench-build),
# BENCH_SKIP_APT=1 (no apt-get), DUODHCPD=/path (use that daemon, no build).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD:-/var/tmp/duodhcp-bench-build}
PY=/usr/bin/python3		# Debian's, not a pyenv one first on PATH
export DEBIAN_FRONTEND=noninteractive
POLICY_CREATED=

cleanup() {
	if [ -n "$POLICY_CREATED" ]; then
		rm -f /usr/sbin/policy-rc.d
		POLICY_CREATED=
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (network namespaces, apt-get)" >&2
	exit 1
fi

PKGS=(gcc meson ninja-build pkg-config libcap-dev iproute2 iputils-ping util-linux
      python3 kea-dhcp4-server kea-admin isc-dhcp-server)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ -z "${BENCH_SKIP_APT:-}" ]; then
	echo "installing: ${missing[*]}"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		POLICY_CREATED=1
	fi
	timeout 900 apt-get update -q >/dev/null
	timeout 1200 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	cleanup
fi

mkdir -p "$BUILD/bench"
if [ -n "${DUODHCPD:-}" ]; then
	cp "$DUODHCPD" "$BUILD/bench/duodhcpd"
else
	# The project's own build; a hand build of the daemon if meson cannot
	# configure the tree (e.g. a test file being edited).
	if { [ -f "$BUILD/meson/build.ninja" ] || meson setup "$BUILD/meson" "$REPO" \
			>"$BUILD/meson-setup.log" 2>&1; } &&
	   meson compile -C "$BUILD/meson" duodhcpd >"$BUILD/meson-compile.log" 2>&1; then
		cp "$BUILD/meson/duodhcpd" "$BUILD/bench/duodhcpd"
	else
		echo "meson build failed (see $BUILD/meson-*.log); building duodhcpd by hand"
		gcc -std=c17 -D_GNU_SOURCE -O2 -I"$REPO/src" $(find "$REPO/src" -name "*.c" ! -path "*/ctl/*") -lcap \
			-o "$BUILD/bench/duodhcpd"
	fi
fi
CFLAGS=(-std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes)
gcc "${CFLAGS[@]}" "$REPO/bench/duoload.c" -lm -o "$BUILD/bench/duoload"
gcc "${CFLAGS[@]}" "$REPO/bench/reflector.c" -o "$BUILD/bench/reflector"
# mkjournal links the daemon's journal code: meson's target when the root
# meson.build has one, else the two files it needs.
if [ -f "$BUILD/meson/build.ninja" ] &&
   meson compile -C "$BUILD/meson" mkjournal >>"$BUILD/meson-compile.log" 2>&1; then
	cp "$BUILD/meson/mkjournal" "$BUILD/bench/mkjournal"
else
	gcc "${CFLAGS[@]}" -I"$REPO/src" "$REPO/bench/mkjournal.c" "$REPO/src/store/journal.c" \
		"$REPO/src/core/lease_state.c" -o "$BUILD/bench/mkjournal"
fi

"$PY" "$REPO/bench/bench.py" --bin-dir "$BUILD/bench" "$@"
