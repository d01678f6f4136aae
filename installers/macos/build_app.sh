#!/usr/bin/env bash
# Wrap the PyInstaller bundle (dist/shiftbell) as Shiftbell.app and put it in a DMG.
# Runs on macOS (hdiutil, sips, iconutil, rsvg-convert from Homebrew's librsvg), from
# .github/workflows/installers.yml. Not built on the Debian machines this project is
# developed on.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(python3 -c 'import sys; sys.path.insert(0, "desktop"); import shiftbell; print(shiftbell.__version__)')
app=dist/Shiftbell.app
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp -R dist/shiftbell/ "$app/Contents/MacOS/bundle"
# The app starts the tray app; the command-line tool stays `shiftbell` inside the bundle.
cat > "$app/Contents/MacOS/shiftbell-app" <<'SH'
#!/bin/sh
exec "$(dirname "$0")/bundle/shiftbell" run "$@"
SH
chmod +x "$app/Contents/MacOS/shiftbell-app"
sed "s/@VERSION@/$version/g" installers/macos/Info.plist > "$app/Contents/Info.plist"
iconset=$(mktemp -d)/shiftbell.iconset
mkdir -p "$iconset"
for size in 16 32 128 256 512; do
  rsvg-convert -w $size -h $size resources/icons/shiftbell.svg -o "$iconset/icon_${size}x${size}.png"
  rsvg-convert -w $((size * 2)) -h $((size * 2)) resources/icons/shiftbell.svg \
    -o "$iconset/icon_${size}x${size}@2x.png"
done
iconutil -c icns "$iconset" -o "$app/Contents/Resources/shiftbell.icns"
hdiutil create -volname Shiftbell -srcfolder "$app" -ov -format UDZO \
  "dist/shiftbell-$version-macos.dmg"
