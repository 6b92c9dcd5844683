#!/usr/bin/env bash
# Installs the Debian packages that the interop tests and the benchmarks need, and what builds the
# native addons (g++, make, python3 for node-gyp), but only when one is missing and we are root.
# Not root: prints what is missing and succeeds (those suites then skip; the addon is not built).
# Usage: bash scripts/install-deps.sh [--with-tshark]
set -euo pipefail

with_tshark=0
for arg in "$@"; do
  case "$arg" in
    --with-tshark) with_tshark=1 ;;
    -h | --help)
      sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install-deps: unknown option $arg" >&2
      exit 2
      ;;
  esac
done

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# command -> Debian package
tools=(
  ip:iproute2
  unshare:util-linux
  mount:mount
  getent:libc-bin
  ps:procps
  rpcbind:rpcbind
  rpcinfo:rpcbind
  rpc.statd:nfs-common
  sm-notify:nfs-common
  g++:g++
  make:make
  python3:python3
)
[ "$with_tshark" = 1 ] && tools+=(tshark:tshark)

missing_pkgs=()
missing_tools=()
for entry in "${tools[@]}"; do
  tool=${entry%%:*}
  pkg=${entry#*:}
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing_tools+=("$tool")
    case " ${missing_pkgs[*]-} " in *" $pkg "*) ;; *) missing_pkgs+=("$pkg") ;; esac
  fi
done

ensure_statd_user() {
  # nfs-common creates it; rpc.statd and sm-notify switch to the owner of their state directory.
  if ! getent passwd statd >/dev/null; then
    echo "install-deps: creating system user statd"
    useradd --system --home-dir /var/lib/nfs --no-create-home --gid nogroup --shell /usr/sbin/nologin statd
  fi
}

if [ "${#missing_pkgs[@]}" -eq 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    ensure_statd_user
  elif ! getent passwd statd >/dev/null; then
    echo "install-deps: user statd is missing (run this script as root to create it)"
  fi
  echo "install-deps: all tools present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing ${missing_tools[*]} (Debian packages: ${missing_pkgs[*]});" \
    "run as root to install them; interop tests will be skipped"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing ${missing_tools[*]} and no apt-get: install ${missing_pkgs[*]} by hand" >&2
  exit 1
fi

echo "install-deps: installing ${missing_pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' maintainer scripts from starting system services (rpcbind, statd) on the
# machine: the tests start their own, inside network namespaces. policy-rc.d exit 101 = "denied".
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
cleanup() { [ "$made_policy" = 1 ] && rm -f "$policy"; }
trap cleanup EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}"
ensure_statd_user

still=()
for tool in "${missing_tools[@]}"; do command -v "$tool" >/dev/null 2>&1 || still+=("$tool"); done
if [ "${#still[@]}" -gt 0 ]; then
  echo "install-deps: still missing after install: ${still[*]}" >&2
  exit 1
fi
echo "install-deps: done"
