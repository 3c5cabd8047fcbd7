#!/bin/sh
# WeasyPrint (the check sheet's PDF) needs Pango and a font with Kazakh glyphs. Install them when missing
# (Debian/Ubuntu, as root); elsewhere say what is missing.
# libharfbuzz-subset makes font subsetting fast (without it WeasyPrint falls back to a slower path).
if ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' \
    && fc-list 2>/dev/null | grep -qi 'DejaVu Sans'; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-dejavu-core >/dev/null \
        || echo "system-deps: apt-get could not install the PDF libraries; PDF tests may fail" >&2
else
    echo "system-deps: install Pango (libpango-1.0-0, libpangoft2-1.0-0) and fonts-dejavu-core for PDF rendering" >&2
fi
