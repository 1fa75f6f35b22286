#!/usr/bin/env bash
# duodhcp demo: builds duodhcpd, starts it in a network namespace and lets
# three real DHCP clients (ISC dhclient, busybox udhcpc, dhcpcd) get leases
# from it, then prints what they got and cleans everything up.
#
#   bash demo/demo.sh        (as root on Debian 12; it installs what it needs)
#
# Everything happens inside namespaces this script creates (dddemo<pid>-*),
# on 198.18.0.0/24 (RFC 2544 benchmark space); no interface of this machine
# is touched, and every wait is bounded.  DUODHCPD=/path/to/duodhcpd skips
# the build and uses that binary.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
P="dddemo$$-"
SW=${P}sw SRV=${P}srv
CLIENTS=(${P}c1 ${P}c2 ${P}c3)
WORK=
DPID=
PIDS=()
POLICY_CREATED=

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
	echo "demo.sh: run as root (it creates network namespaces)" >&2
	exit 1
fi

cleanup() {
	set +e
	local pid ns
	for pid in "${PIDS[@]}" $DPID; do
		kill -TERM "$pid" 2>/dev/null
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		local alive=
		for pid in "${PIDS[@]}" $DPID; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.3
	done
	for pid in "${PIDS[@]}" $DPID; do kill -KILL "$pid" 2>/dev/null; done
	for ns in "${CLIENTS[@]}" "$SRV" "$SW"; do
		# Anything still in our namespaces was started by this script.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	[ -n "$POLICY_CREATED" ] && rm -f /usr/sbin/policy-rc.d
	[ -n "$WORK" ] && rm -rf "$WORK"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- packages --------------------------------------------------------------
# The one list: packaging/packages.txt, roles "build" and "demo".
packages_for() {	# packages_for ROLE...: the list's packages with any of them
	local pkg roles r
	while read -r pkg roles _; do
		case "$pkg" in ''|'#'*) continue ;; esac
		for r in "$@"; do
			case ",$roles," in *",$r,"*) echo "$pkg"; break ;; esac
		done
	done < "$REPO/packaging/packages.txt"
}
roles=(demo)
[ -z "${DUODHCPD:-}" ] && roles+=(build)
need=()
for pkg in $(packages_for "${roles[@]}"); do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
		need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	# Packages must not start daemons here (policy-rc.d 101 = "not now").
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		POLICY_CREATED=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	timeout 600 apt-get update -q
	# dhcpcd-base: the dhcpcd binary without the system service of dhcpcd5.
	timeout 900 apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# --- build -----------------------------------------------------------------
if [ -n "${DUODHCPD:-}" ]; then
	DAEMON=$DUODHCPD
else
	say "building duodhcpd in $BUILD"
	if [ ! -f "$BUILD/build.ninja" ]; then
		mkdir -p "$BUILD"
		if ! meson setup "$BUILD" "$REPO" > "$BUILD/setup.log" 2>&1; then
			tail -n 40 "$BUILD/setup.log" >&2
			echo "demo.sh: meson setup failed (whole log: $BUILD/setup.log," \
			     "$BUILD/meson-logs/meson-log.txt)" >&2
			rm -f "$BUILD/build.ninja"
			exit 1
		fi
	fi
	if ! timeout 900 meson compile -C "$BUILD" duodhcpd > "$BUILD/compile.log" 2>&1; then
		tail -n 60 "$BUILD/compile.log" >&2
		echo "demo.sh: the build failed (whole log: $BUILD/compile.log)" >&2
		exit 1
	fi
	DAEMON=$BUILD/duodhcpd
fi

# --- network ---------------------------------------------------------------
say "creating namespaces ${P}*: a bridge, a server and three clients on 198.18.0.0/24"
WORK=$(mktemp -d /tmp/duodhcp-demo.XXXXXX)
mkns() {
	ip netns add "$1"
	mkdir -p "/etc/netns/$1"	# a private resolv.conf for what runs inside
	echo "# duodhcp demo" > "/etc/netns/$1/resolv.conf"
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 || true
}
plug() {	# plug NS PORT MAC
	ip -n "$SW" link add "$2" type veth peer name eth0 address "$3" netns "$1"
	ip -n "$SW" link set "$2" master br0 up
	ip -n "$1" link set eth0 up
}
mkns "$SW"
ip -n "$SW" link add br0 type bridge stp_state 0 forward_delay 0
ip -n "$SW" link set br0 up
mkns "$SRV"
plug "$SRV" p-srv 02:00:00:00:01:01
ip -n "$SRV" addr add 198.18.0.1/24 dev eth0
i=1
for ns in "${CLIENTS[@]}"; do
	mkns "$ns"
	plug "$ns" "p-c$i" "02:00:00:00:00:0$i"
	i=$((i + 1))
done

cat > "$WORK/duodhcpd.ini" <<EOF
; duodhcp demo configuration (dhcpsrv.ini style)
[Settings]
IPPOOL_1=198.18.0.10-50
IPBIND_1=198.18.0.1
AssociateBindsToPools=1
Trace=1

[GENERAL]
LEASETIME=600
SUBNETMASK=255.255.255.0
ROUTER_0=198.18.0.1
DNS_0=198.18.0.1

[DUODHCP]
Journal=$WORK/leases.journal
Authoritative=1

; client 3 always gets .200 and a name
[02-00-00-00-00-03]
IPADDR=198.18.0.200
Hostname=demo-reserved
EOF

say "starting duodhcpd in $SRV"
ip netns exec "$SRV" "$DAEMON" -c "$WORK/duodhcpd.ini" -f -p "$WORK/duodhcpd.pid" \
	2> "$WORK/duodhcpd.log" &
DPID=$!
ready=
for _ in $(seq 1 100); do
	kill -0 "$DPID" 2>/dev/null || break
	if [ -n "$(ip netns exec "$SRV" ss -Hlun 'sport = :67')" ]; then ready=1; break; fi
	sleep 0.1
done
if [ -z "$ready" ]; then
	echo "duodhcpd did not start:" >&2
	cat "$WORK/duodhcpd.log" >&2
	exit 1
fi

# --- clients ---------------------------------------------------------------
# Hook scripts that only set the address inside the namespace: the stock
# ones would write /etc/resolv.conf or change this machine's hostname.
cat > "$WORK/dhclient-script" <<'EOF'
#!/bin/sh
case "$reason" in
PREINIT) ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
	ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" ;;
esac
exit 0
EOF
cat > "$WORK/udhcpc-script" <<'EOF'
#!/bin/sh
case "$1" in
deconfig) ip -4 addr flush dev "$interface" ;;
bound|renew) ip -4 addr replace "$ip/${mask:-24}" dev "$interface" ;;
esac
exit 0
EOF
printf '#!/bin/sh\nexit 0\n' > "$WORK/dhcpcd-script"
chmod 755 "$WORK"/*-script
printf 'send host-name "demo-dhclient";\ntimeout 20;\n' > "$WORK/dhclient.conf"
printf 'ipv4only\nnoipv4ll\nnoarp\npersistent\nclientid\nhostname demo-dhcpcd\ntimeout 20\n' \
	> "$WORK/dhcpcd.conf"
mkdir -p "$WORK/dhcpcd-run" "$WORK/dhcpcd-db"

say "dhclient in ${CLIENTS[0]}"
timeout 40 ip netns exec "${CLIENTS[0]}" dhclient -4 -v -1 -cf "$WORK/dhclient.conf" \
	-sf "$WORK/dhclient-script" -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" eth0 \
	2>&1 | grep -E 'DHCP|bound' || true
[ -s "$WORK/dhclient.pid" ] && PIDS+=("$(cat "$WORK/dhclient.pid")")

say "busybox udhcpc in ${CLIENTS[1]}"
timeout 40 ip netns exec "${CLIENTS[1]}" busybox udhcpc -i eth0 -n -q -f -t 5 -T 2 \
	-x hostname:demo-udhcpc -s "$WORK/udhcpc-script" 2>&1 || true

say "dhcpcd in ${CLIENTS[2]} (reserved: 198.18.0.200)"
# Its state dirs are bind-mounted from $WORK in a private mount namespace.
timeout 60 ip netns exec "${CLIENTS[2]}" unshare -m -u --propagation private sh -c "
	mkdir -p /run/dhcpcd /var/lib/dhcpcd
	mount --bind '$WORK/dhcpcd-run' /run/dhcpcd
	mount --bind '$WORK/dhcpcd-db' /var/lib/dhcpcd
	exec dhcpcd -f '$WORK/dhcpcd.conf' -c '$WORK/dhcpcd-script' -4 -1 -B eth0" 2>&1 |
	grep -E 'offered|leased|acknowledged|adding IP' || true

# --- results ---------------------------------------------------------------
say "client addresses"
names=(dhclient udhcpc dhcpcd)
ok=0
for i in 0 1 2; do
	addr=$(ip -n "${CLIENTS[$i]}" -4 -o addr show dev eth0 | awk '{print $4}')
	printf '  %-9s %-14s %s\n' "${names[$i]}" "${CLIENTS[$i]}" "${addr:-(none)}"
	[ -n "$addr" ] && ok=$((ok + 1))
done

say "server lease table (duodhcpd -L)"
"$DAEMON" -c "$WORK/duodhcpd.ini" -L || echo "(duodhcpd -L failed)"

say "server log (last lines)"
tail -n 25 "$WORK/duodhcpd.log"

say "$ok of 3 clients got an address; cleaning up"
[ "$ok" = 3 ]
