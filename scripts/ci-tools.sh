#!/usr/bin/env bash
# Installs the programs the ignored tests drive (`cargo test -- --ignored`): Go with the
# golang.org/x/mod sources (transparency-log interop), Chromium and pdftotext (print test),
# LibreOffice (regenerates the spreadsheet fixtures), CJK fonts, and Python packages that
# read our spreadsheets or re-verify an export.
# Idempotent: installs only what is missing. Needs root (as CI runs) for apt-get.
set -euo pipefail
debs=()
command -v go >/dev/null || debs+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || debs+=(golang-golang-x-mod-dev)
command -v chromium >/dev/null || debs+=(chromium)
command -v pdftotext >/dev/null || debs+=(poppler-utils)
command -v soffice >/dev/null || debs+=(libreoffice-calc-nogui)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || debs+=(fonts-noto-cjk)
if [ ${#debs[@]} -gt 0 ]; then
    echo "apt-get install ${debs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${debs[@]}" >/dev/null
fi
pips=()
for p in openpyxl blake3 nacl; do
    python3 -c "import $p" 2>/dev/null || pips+=("${p/nacl/pynacl}")
done
if [ ${#pips[@]} -gt 0 ]; then
    echo "pip install ${pips[*]}"
    python3 -m pip install -q "${pips[@]}"
fi
