#!/usr/bin/env bash
# The README's promise on a new machine, tested: a minimal Debian 12 root
# (debootstrap --variant=minbase bookworm), the checkout copied in, and
#
#   fresh-root.sh demo           runs `bash demo/demo.sh` inside it
#   fresh-root.sh deb FILE.deb   installs the package with apt inside it and
#                                runs the installed `duodhcpd -t` on the
#                                installed sample config
#
# Each run starts from a pristine copy of the root, kept as a tarball in
# $FRESH_CACHE (default /var/cache/duodhcp-ci) between runs on one machine.
# The root runs in a private mount namespace with its own /proc, /sys, /dev
# and a tmpfs /run (never the host's /run: the demo's `ip netns` mounts live
# there, and an unmount would take the host's away).  The demo itself only
# makes network namespaces of its own, as it does anywhere.
#
# Environment: FRESH_WORK (scratch, default a new dir under /tmp, removed at
# the end), FRESH_CACHE, DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/duodhcp-ci}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TARBALL=$CACHE/bookworm-minbase.tar
WORK=${FRESH_WORK:-}
MADE_WORK=

die() { echo "fresh-root: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
[ $# -ge 1 ] || die "usage: fresh-root.sh demo | deb FILE.deb"
MODE=$1

if [ -z "$WORK" ]; then
	WORK=$(mktemp -d /tmp/duodhcp-fresh.XXXXXX)
	MADE_WORK=1
fi
cleanup() {
	# Unmounts happen with the private mount namespace; only files remain.
	[ -n "$MADE_WORK" ] && rm -rf --one-file-system "$WORK"
	return 0
}
trap cleanup EXIT

# --- the pristine root ----------------------------------------------------
if [ ! -s "$TARBALL" ]; then
	command -v debootstrap >/dev/null || die "debootstrap is not installed"
	mkdir -p "$CACHE"
	t0=$(date +%s)
	echo "fresh-root: debootstrap --variant=minbase bookworm (once; kept in $TARBALL)"
	rm -rf "$WORK/mk"
	if ! timeout 1200 debootstrap --variant=minbase bookworm "$WORK/mk" "$MIRROR" \
		> "$WORK/debootstrap.log" 2>&1; then
		tail -n 30 "$WORK/debootstrap.log"
		die "debootstrap failed"
	fi
	rm -rf "$WORK/mk/var/cache/apt/archives/"*.deb
	tar -C "$WORK/mk" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
	rm -rf "$WORK/mk"
	echo "fresh-root: root made in $(( $(date +%s) - t0 )) s"
fi

R=$WORK/root
rm -rf "$R"
mkdir -p "$R"
tar -C "$R" -xf "$TARBALL"

# This machine's way to the Debian archive (resolver, mirror and apt's
# network settings) is the one thing taken from the host: a new machine
# elsewhere has its own.
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	cp /etc/apt/sources.list.d/debian.sources "$R/etc/apt/sources.list.d/"
	: > "$R/etc/apt/sources.list"
fi
for f in /etc/apt/apt.conf.d/*; do
	grep -q '^Acquire::' "$f" 2>/dev/null && cp "$f" "$R/etc/apt/apt.conf.d/"
done

# The checkout as it is: tracked files and new ones not ignored.
mkdir -p "$R/root/duodhcp"
(cd "$REPO" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
	tar -C "$R/root/duodhcp" -xf -

case "$MODE" in
demo)
	INNER='cd /root/duodhcp && bash demo/demo.sh'
	;;
deb)
	[ $# -eq 2 ] && [ -f "$2" ] || die "usage: fresh-root.sh deb FILE.deb"
	cp "$2" "$R/root/"
	DEB=/root/$(basename "$2")
	INNER="set -e
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q $DEB
rm -f /usr/sbin/policy-rc.d
echo '--- installed:'; dpkg -L duodhcp | grep -E 'sbin|man|systemd|etc/'
echo '--- user and state folder:'; id duodhcp; stat -c '%A %U:%G %n' /var/lib/duodhcp
echo '--- duodhcpd -t on the installed sample:'
duodhcpd -c /etc/duodhcp/dhcpsrv.ini -t
echo '--- duodhcpctl:'; duodhcpctl --help >/dev/null 2>&1 || duodhcpctl -h 2>&1 | head -n 3 || true"
	;;
*)
	die "unknown mode $MODE"
	;;
esac

# Everything below runs in a mount namespace of its own: /proc, /sys, /dev
# and /run of the root are new mounts that vanish with it.
t0=$(date +%s)
set +e
unshare -m --propagation private -- bash -s "$R" "$INNER" <<'INSIDE'
set -e
R=$1
# The root is a mount point of its own, as / is on a machine (`ip netns`
# makes / a slave mount and fails on a plain directory).
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs -o mode=755,size=16m devtmp "$R/dev"
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read -r n a b <<<"$d"
	mknod -m 666 "$R/dev/$n" c "$a" "$b"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
mount -t tmpfs -o mode=755 run "$R/run"
exec chroot "$R" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	bash -c "$2"
INSIDE
rc=$?
set -e
echo "fresh-root: $MODE exited $rc after $(( $(date +%s) - t0 )) s"
exit $rc
