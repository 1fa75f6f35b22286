#!/usr/bin/env bash
# The duodhcp benchmark in one command (as root):
#
#   sudo bash bench/run.sh            # full run, about 10-15 minutes
#   sudo bash bench/run.sh --quick    # about 3-4 minutes
#   sudo bash bench/run.sh --sync     # SyncServer resync of 1M leases (syncbench.py)
#   sudo bash bench/run.sh --failover # failover pair vs single, ISC pair, Kea HA (fobench.py)
#
# Installs what is missing with apt-get (no daemon is started: a
# policy-rc.d that says 101 is in place during the install), builds
# duodhcpd and the bench tools, then runs bench/bench.py with Debian's
# python3.  Extra arguments go to bench.py (see --help there).
#
# Environment: BENCH_BUILD (build folder, default /var/tmp/duodhcp-bench-build),
# BENCH_SKIP_APT=1 (no apt-get), DUODHCPD=/path (use that daemon, no build).
#
# No-regression run, the current tree against an older commit in one run:
#
#   sudo bash bench/run.sh --servers duodhcpd,duodhcpd-base --no-perfdhcp
#
# duodhcpd-base is built from BENCH_BASE_REV (default e190854, the commit
# before the layout work) exported with git archive into
# /var/tmp/duodhcp-bench-base-<rev> (the repository is only read), with its
# own mkjournal so that its replay reads a journal of its own format; or
# DUODHCPD_BASE=/path (and DUODHCPD_BASE_MKJOURNAL=/path) gives the binaries.
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
# The base daemon, when asked for.
if [[ " $* " == *duodhcpd-base* ]]; then
	rm -f "$BUILD/bench/duodhcpd-base" "$BUILD/bench/mkjournal-base"
	if [ -n "${DUODHCPD_BASE:-}" ]; then
		cp "$DUODHCPD_BASE" "$BUILD/bench/duodhcpd-base"
		if [ -n "${DUODHCPD_BASE_MKJOURNAL:-}" ]; then
			cp "$DUODHCPD_BASE_MKJOURNAL" "$BUILD/bench/mkjournal-base"
		fi
		echo "base: $DUODHCPD_BASE" > "$BUILD/bench/base-rev"
	else
		BASE_REV=$(git -C "$REPO" rev-parse --verify "${BENCH_BASE_REV:-e190854}^{commit}")
		BASE_SRC=/var/tmp/duodhcp-bench-base-${BASE_REV:0:12}
		if [ ! -f "$BASE_SRC/meson.build" ]; then
			rm -rf "$BASE_SRC.tmp" && mkdir -p "$BASE_SRC.tmp"
			git -C "$REPO" archive "$BASE_REV" | tar -x -C "$BASE_SRC.tmp"
			mv "$BASE_SRC.tmp" "$BASE_SRC"
		fi
		BASE_BUILD=$BUILD/base-${BASE_REV:0:12}
		if ! { [ -f "$BASE_BUILD/build.ninja" ] || meson setup "$BASE_BUILD" "$BASE_SRC" \
				>"$BUILD/meson-base.log" 2>&1; } ||
		   ! meson compile -C "$BASE_BUILD" duodhcpd mkjournal >>"$BUILD/meson-base.log" 2>&1; then
			echo "run.sh: building the base $BASE_REV failed (see $BUILD/meson-base.log)" >&2
			exit 1
		fi
		cp "$BASE_BUILD/duodhcpd" "$BUILD/bench/duodhcpd-base"
		cp "$BASE_BUILD/mkjournal" "$BUILD/bench/mkjournal-base"
		git -C "$REPO" log -1 --format='%h %s' "$BASE_REV" | cut -c1-72 > "$BUILD/bench/base-rev"
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

# --sync (first): the SyncServer resync benchmark instead (bench/syncbench.py);
# --failover (first): the failover pair benchmark (bench/fobench.py).
if [ "${1:-}" = --sync ]; then
	shift
	"$PY" "$REPO/bench/syncbench.py" --bin-dir "$BUILD/bench" "$@"
elif [ "${1:-}" = --failover ]; then
	shift
	"$PY" "$REPO/bench/fobench.py" --bin-dir "$BUILD/bench" "$@"
else
	"$PY" "$REPO/bench/bench.py" --bin-dir "$BUILD/bench" "$@"
fi
