#!/usr/bin/env bash
# The README's promise on a new machine, tested in a minimal Debian 12 root
# (debootstrap --variant=minbase bookworm) with the checkout copied in:
#
#   fresh-root.sh demo              runs `bash demo/demo.sh` inside it
#   fresh-root.sh deb FILE.deb      installs the package with apt and runs the
#                                   installed `duodhcpd -t` on the installed
#                                   sample config
#   fresh-root.sh service FILE.deb  the same root with systemd in it, package
#                                   installed, booted with systemd-nspawn in a
#                                   network namespace of ours: the packaged
#                                   unit must start (Type=notify), a client in
#                                   a second namespace gets a lease through a
#                                   veth, reload and stop work
#
# Each run starts from a pristine copy of the root, kept as a tarball in
# $FRESH_CACHE (default /var/cache/duodhcp-ci) between runs on one machine.
# Commands run in a private mount namespace with their own /proc, /sys, /dev
# and a tmpfs /run (never the host's /run: the demo's `ip netns` mounts live
# there, and an unmount would take the host's away).  Network traffic stays
# in namespaces made here or by the demo, on 198.18.0.0/24.
#
# Environment: FRESH_WORK (scratch, default a new dir under /tmp, removed at
# the end), FRESH_CACHE, DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/duodhcp-ci}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${FRESH_WORK:-}
MADE_WORK=
NSPAWN=
NETNS=()

die() { echo "fresh-root: $*" >&2; exit 1; }
say() { echo "fresh-root: $*"; }
[ "$(id -u)" = 0 ] || die "run as root"
[ $# -ge 1 ] || die "usage: fresh-root.sh demo | deb FILE.deb | service FILE.deb"
MODE=$1

if [ -z "$WORK" ]; then
	WORK=$(mktemp -d /tmp/duodhcp-fresh.XXXXXX)
	MADE_WORK=1
fi
mkdir -p "$WORK"
R=$WORK/root

cleanup() {
	set +e
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
		kill -TERM "$NSPAWN"	# nspawn halts the container on SIGTERM
		for _ in $(seq 1 30); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$NSPAWN" 2>/dev/null
	fi
	local ns pid
	for ns in "${NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid"; done
		ip netns del "$ns" 2>/dev/null
	done
	# The root's mounts went with its private mount namespace: only files.
	[ -n "$MADE_WORK" ] && rm -rf --one-file-system "$WORK"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# root_from FLAVOUR: extracts the pristine root of that flavour into $R,
# making it first with debootstrap when it is not cached.
root_from() {
	local flavour=$1 tarball=$CACHE/bookworm-$1.tar include=
	[ "$flavour" = systemd ] && include=--include=systemd,systemd-sysv,dbus,iproute2
	if [ ! -s "$tarball" ]; then
		command -v debootstrap >/dev/null || die "debootstrap is not installed"
		mkdir -p "$CACHE"
		local t0=$(date +%s)
		say "debootstrap --variant=minbase $include bookworm (kept in $tarball)"
		rm -rf "$WORK/mk"
		if ! timeout 1200 debootstrap --variant=minbase $include bookworm "$WORK/mk" \
			"$MIRROR" > "$WORK/debootstrap.log" 2>&1; then
			tail -n 30 "$WORK/debootstrap.log"
			die "debootstrap failed"
		fi
		rm -f "$WORK/mk/var/cache/apt/archives/"*.deb
		tar -C "$WORK/mk" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		rm -rf "$WORK/mk"
		say "root made in $(( $(date +%s) - t0 )) s"
	fi
	rm -rf "$R"
	mkdir -p "$R"
	tar -C "$R" -xf "$tarball"

	# This machine's way to the Debian archive (resolver, mirror and apt's
	# network settings) is the one thing taken from the host: a new machine
	# elsewhere has its own.
	cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources "$R/etc/apt/sources.list.d/"
		: > "$R/etc/apt/sources.list"
	fi
	local f
	for f in /etc/apt/apt.conf.d/*; do
		grep -q '^Acquire::' "$f" 2>/dev/null && cp "$f" "$R/etc/apt/apt.conf.d/"
	done

	# The checkout as it is: tracked files and new ones not ignored.
	mkdir -p "$R/root/duodhcp"
	(cd "$REPO" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
		tar -C "$R/root/duodhcp" -xf -
}

# in_root SCRIPT: runs SCRIPT with bash inside the root, in a mount namespace
# of its own whose /proc, /sys, /dev and /run are new mounts that vanish
# with it.
in_root() {
	unshare -m --propagation private -- bash -s "$R" "$1" <<'INSIDE'
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
}

# The package installed with apt (its Depends from the archive), then what
# it installed checked.
install_deb() {
	cp "$1" "$R/root/"
	in_root "set -e
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q /root/$(basename "$1")
rm -f /usr/sbin/policy-rc.d
echo '--- installed:'; dpkg -L duodhcp | grep -E 'sbin/|man[58]/|\.service|etc/'
echo '--- user and state folder:'; id duodhcp; stat -c '%A %U:%G %n' /var/lib/duodhcp
echo '--- duodhcpd -t on the installed sample:'
duodhcpd -c /etc/duodhcp/dhcpsrv.ini -t"
}

# --- service: the packaged unit under a real systemd ----------------------
# waitfor TRIES CMD...: runs CMD every half second until it succeeds.
waitfor() {
	local tries=$1
	shift
	for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
	return 1
}

INIT=
ctr() { nsenter -t "$INIT" -a "$@"; }	# a command inside the booted container
booted() { ctr systemctl is-system-running | grep -qE '^(running|degraded)$'; }
status_has() { ctr systemctl show -p StatusText --value duodhcpd | grep -q "$1"; }

run_service() {
	local tag="ddfresh$$" srv cli init st
	srv=$tag-srv cli=$tag-cli
	NETNS=("$srv" "$cli")
	ip netns add "$srv"
	ip netns add "$cli"
	ip -n "$srv" link add eth0 type veth peer name eth0 netns "$cli"
	ip -n "$srv" addr add 198.18.0.1/24 dev eth0
	ip -n "$srv" link set eth0 up
	ip -n "$srv" link set lo up
	ip -n "$cli" link set eth0 up
	ip -n "$cli" link set lo up

	# The installed unit and sample, with the sample's pool made live.
	cat > "$R/etc/duodhcp/dhcpsrv.ini" <<'INI'
[Settings]
IPPOOL_1=198.18.0.10-50
IPBIND_1=198.18.0.1
AssociateBindsToPools=1
[GENERAL]
LEASETIME=600
SUBNETMASK=255.255.255.0
ROUTER_0=198.18.0.1
[DUODHCP]
User=duodhcp
Authoritative=1
INI
	# No console getty, no network manager: only what the test needs.
	ln -sf /dev/null "$R/etc/systemd/system/console-getty.service"
	ln -sf /dev/null "$R/etc/systemd/system/systemd-networkd.service"
	[ -L "$R/etc/systemd/system/multi-user.target.wants/duodhcpd.service" ] ||
		die "the package did not enable duodhcpd.service"

	say "booting the root with systemd-nspawn in namespace $srv"
	# CAP_NET_ADMIN, which nspawn leaves out of a container's bounding set
	# by default, is one the daemon keeps (ARP entries), as on a machine.
	systemd-nspawn --quiet --register=no --keep-unit -D "$R" \
		--network-namespace-path="/run/netns/$srv" --capability=CAP_NET_ADMIN \
		-b --console=pipe \
		</dev/null >"$WORK/boot.log" 2>&1 &
	NSPAWN=$!
	# The container's systemd: a child of nspawn, or of nspawn's child.
	init=
	for _ in $(seq 1 60); do
		init=$(pgrep -P "$NSPAWN" -x systemd || true)
		for c in $(pgrep -P "$NSPAWN"); do
			[ -n "$init" ] || init=$(pgrep -P "$c" -x systemd || true)
		done
		[ -n "$init" ] && break
		sleep 0.5
	done
	[ -n "$init" ] || { cat "$WORK/boot.log"; die "the container's systemd did not start"; }
	INIT=$init
	waitfor 120 booted ||
		{ ctr systemctl --failed --no-pager; die "the container did not finish booting"; }
	say "booted: $(ctr systemctl is-system-running)"

	# Type=notify: "active" only once the daemon has said READY=1.
	if ! waitfor 60 ctr systemctl is-active --quiet duodhcpd; then
		ctr systemctl status --no-pager -n 0 duodhcpd || true
		ctr journalctl -u duodhcpd --no-pager -n 40 -o short-monotonic || true
		die "duodhcpd.service is $(ctr systemctl is-active duodhcpd) after boot"
	fi
	ctr systemctl status --no-pager -n 20 duodhcpd || true
	ctr systemctl show -p Type -p NotifyAccess -p WatchdogUSec -p StatusText duodhcpd

	# A client in the other namespace; its script only sets the address.
	printf '#!/bin/sh\n[ "$1" = bound ] && ip -4 addr replace "$ip/${mask:-24}" dev "$interface"\nexit 0\n' \
		> "$WORK/udhcpc.sh"
	chmod 755 "$WORK/udhcpc.sh"
	timeout 30 ip netns exec "$cli" busybox udhcpc -i eth0 -n -q -f -t 5 -T 2 \
		-s "$WORK/udhcpc.sh" || die "the client got no lease from the packaged service"
	ip -n "$cli" -4 -o addr show dev eth0 | grep -q ' 198\.18\.0\.' ||
		die "the client has no 198.18.0.x address"
	say "client: $(ip -n "$cli" -4 -o addr show dev eth0 | awk '{print $4}')"
	waitfor 20 status_has '1 lease' ||
		say "note: status text: $(ctr systemctl show -p StatusText --value duodhcpd)"
	ctr systemctl show -p StatusText duodhcpd

	if ! ctr systemctl reload duodhcpd; then
		ctr journalctl -u duodhcpd --no-pager -n 15 -o cat || true
		die "systemctl reload failed"
	fi
	waitfor 20 ctr systemctl is-active --quiet duodhcpd ||
		die "not active after reload"
	ctr journalctl -u duodhcpd --no-pager -n 15 -o cat || true
	ctr systemctl stop duodhcpd || die "systemctl stop failed"
	st=$(ctr systemctl is-active duodhcpd || true)
	[ "$st" = inactive ] || die "duodhcpd.service is $st after stop, not inactive"
	ctr ls -l /var/lib/duodhcp
	say "service: started by systemd, leased, reloaded, stopped"
}

t0=$(date +%s)
case "$MODE" in
demo)
	root_from minbase
	in_root 'cd /root/duodhcp && bash demo/demo.sh'
	;;
deb)
	[ $# -eq 2 ] && [ -f "$2" ] || die "usage: fresh-root.sh deb FILE.deb"
	root_from minbase
	install_deb "$2"
	;;
service)
	[ $# -eq 2 ] && [ -f "$2" ] || die "usage: fresh-root.sh service FILE.deb"
	command -v systemd-nspawn >/dev/null || die "systemd-nspawn is not installed (systemd-container)"
	root_from systemd
	install_deb "$2"
	run_service
	;;
*)
	die "unknown mode $MODE"
	;;
esac
say "$MODE passed in $(( $(date +%s) - t0 )) s"
