#!/usr/bin/env bash
# Install the Debian/Ubuntu packages piwave builds and tests with.
# Safe to run again; uses sudo when not run as root.
#   wabt               wasm2c 1.0.32 and its runtime sources (/usr/src/wasm2c)
#   clang lld llvm     freestanding aarch64 compiler, linker, llvm-objcopy
#   qemu-system-arm    qemu-system-aarch64 -M raspi3b, to boot the kernel image
#   ffmpeg             decodes and resamples the music (piwave build song.mp3)
#   dosfstools mtools  fsck.fat and mdir/mcopy, which the tests check SD images with
#   socat              pseudo-terminal pairs for the serial monitor tests
#   fusefat            mounts a FAT card image for the `flash --to` tests (FUSE; no vfat module needed)
#   sox                an independent check of the measured noise figures
#   procps util-linux  pgrep; lsblk, losetup, blockdev (flash and its tests)
set -euo pipefail
PACKAGES=(wabt clang lld llvm qemu-system-arm ffmpeg dosfstools mtools fusefat socat sox procps util-linux)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present (${PACKAGES[*]})"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
