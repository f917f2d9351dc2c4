#!/usr/bin/env bash
# Checks the few system libraries the workbook needs beyond Python packages:
# Pango (WeasyPrint draws the PDF with it) and a font with Vietnamese glyphs.
# Installs them with apt-get when run as root on Debian/Ubuntu; otherwise says how.
set -euo pipefail
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1.0.so.0' || need+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so.0' || need+=(libpangoft2-1.0-0)
# HarfBuzz-subset makes WeasyPrint's font subsetting faster (and it will soon require it).
have_lib 'libharfbuzz-subset.so.0' || need+=(libharfbuzz-subset0)
if ! { command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -qi 'DejaVu Sans'; } \
   && ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1; then
  need+=(fonts-dejavu-core)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup: installing system packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" fontconfig >/dev/null
else
  echo "setup: missing system packages: ${need[*]}" >&2
  echo "       install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
