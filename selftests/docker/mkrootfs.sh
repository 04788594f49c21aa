#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkrootfs.sh OUT.tar: a tiny container root file system for "docker
# import", built from the host's static busybox, no registry needed:
#
#   /bin/busybox and a symlink per applet (sh, ping, wget, httpd, ip, ...)
#   /www/cgi-bin/peer   CGI for busybox httpd: prints the client's address
#                       (REMOTE_ADDR), to see what NAT and proxies did
#
#   selftests/docker/mkrootfs.sh /tmp/fanbox.tar
#   docker import --change 'CMD ["/bin/sh"]' /tmp/fanbox.tar fanbox:1
#
# BUSYBOX names the binary (default: busybox in PATH); it must be static
# (Debian: busybox-static).

set -eu

out=${1:?usage: mkrootfs.sh OUT.tar}
bb=${BUSYBOX:-$(command -v busybox || true)}

if [ -z "$bb" ] || [ ! -x "$bb" ]; then
	echo "mkrootfs: no busybox (install busybox-static)" >&2
	exit 1
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/fanbox.XXXXXX")
trap 'rm -rf "$root"' EXIT

chmod 755 "$root"
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root,www/cgi-bin}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
# One process for every applet link; inside the root they point to
# /bin/busybox.  The root has no libc: this also checks busybox is static.
if ! chroot "$root" /bin/busybox --install -s /bin; then
	echo "mkrootfs: $bb does not run alone (not static? install busybox-static)" >&2
	exit 1
fi
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
cat > "$root/www/cgi-bin/peer" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n%s\n' "$REMOTE_ADDR"
CGI
chmod 755 "$root/www/cgi-bin/peer"
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$out" .
