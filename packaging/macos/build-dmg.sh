#!/usr/bin/env bash
# Build Quillora.app and wrap it in a .dmg (macOS only; run from a fresh clone):
#
#   packaging/macos/build-dmg.sh      -> dist/Quillora.app, dist/Quillora-<version>-macos-<arch>.dmg
#
# Uses the same spec as Linux and Windows; on macOS it adds a BUNDLE step (Quillora.app,
# windowed, Info.plist). torch on macOS is the CPU/MPS build; bitsandbytes ships a CPU
# library there. Uses only tools that come with macOS (hdiutil, iconutil, sips).
# Signing and notarisation need an Apple Developer ID: set CODESIGN_IDENTITY to sign.
# Not run on the Linux machine this was written on; CI (package.yml) runs it on macos-14.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY="${QUILLORA_VENV:-.venv}/bin/python"
if [ ! -x "$PY" ]; then
    "${PYTHON:-python3}" -m venv "${QUILLORA_VENV:-.venv}"
fi
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -e ".[package]"
VERSION=$("$PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
ARCH=$(uname -m)

# The icon: PNGs from packaging/icons/quillora.svg, then an .icns for the spec to find.
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py build/icons
ICONSET=build/icons/quillora.iconset
mkdir -p "$ICONSET"
for size in 16 32 128 256 512; do
    sips -z $size $size build/icons/quillora-1024.png --out "$ICONSET/icon_${size}x${size}.png" >/dev/null
    sips -z $((size * 2)) $((size * 2)) build/icons/quillora-1024.png \
        --out "$ICONSET/icon_${size}x${size}@2x.png" >/dev/null
done
iconutil -c icns "$ICONSET" -o build/icons/quillora.icns

QUILLORA_FLAVOR=cpu "$PY" -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller \
    packaging/quillora.spec

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --deep --force --options runtime --timestamp --sign "$CODESIGN_IDENTITY" dist/Quillora.app
fi

DMG="dist/Quillora-$VERSION-macos-$ARCH.dmg"
STAGE=build/dmg
rm -rf "$STAGE" "$DMG" && mkdir -p "$STAGE"
cp -R dist/Quillora.app "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname Quillora -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "built $DMG"
