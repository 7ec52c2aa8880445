#!/usr/bin/env bash
# Installs the system packages the workbench uses, when they are missing:
#   blender + python3-numpy  FBX and .blend export (Blender runs headless as a subprocess)
#   libegl1, libgl1-mesa-dri off-screen rendering of thumbnails (VTK through EGL, no X server)
#   nodejs + npm             <model-viewer> (served by the app) and the glTF-Validator (tests)
#   chromium, redis-server   with --test only: the real-browser test (Playwright) and the
#                            Celery worker tests (a Redis broker started on loopback)
# Needs root (or passwordless sudo) and apt-get; otherwise it prints what to install and
# carries on: the app still runs, and FBX/.blend export reports Blender as unavailable.
set -u
missing=()
command -v blender >/dev/null 2>&1 || missing+=(blender)
[ -e /usr/lib/python3/dist-packages/numpy ] || missing+=(python3-numpy)
ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1' || missing+=(libegl1)
ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1 || ls /usr/lib/*/dri/*_dri.so >/dev/null 2>&1 || missing+=(libgl1-mesa-dri)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: please install: ${missing[*]} (no apt-get here)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "system-deps: run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 0
  fi
fi
echo "system-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || echo "system-deps: apt-get install failed for: ${missing[*]}" >&2
exit 0
