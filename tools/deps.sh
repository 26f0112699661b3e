#!/usr/bin/env bash
# Makes sure the Debian packages pixforge builds with are installed.
# Sourced by tools/demo.sh and tools/test.sh. As root it installs what is missing (apt-get); otherwise it prints
# the exact apt-get line and exits non-zero.
PIXFORGE_DEBS="cmake make g++ libeigen3-dev libstb-dev doctest-dev libbenchmark-dev python3-numpy"

pixforge_missing_debs() {
  local missing=""
  for p in $PIXFORGE_DEBS "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  echo "$missing"
}

pixforge_ensure_debs() {
  local missing
  missing=$(pixforge_missing_debs "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "pixforge: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || { echo "pixforge: apt-get update failed" >&2; return 1; }
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2 || {
      echo "pixforge: apt-get install failed for:$missing" >&2
      return 1
    }
  else
    echo "pixforge: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    return 1
  fi
}
