/*
 * bundle.S — the asset bundle, linked into the kernel as a raw blob
 * (never as wasm data: docs/toolchain.md#the-music-as-a-linked-blob-not-wasm-data). BUNDLE_FILE is the path,
 * given by the build as -DBUNDLE_FILE="\"...\"". abi.c serves it to the
 * firmware through bundle_size/bundle_read.
 */
    .section .rodata.bundle, "a"
    .balign 16
    .global piwave_bundle_start
piwave_bundle_start:
    .incbin BUNDLE_FILE
    .global piwave_bundle_end
piwave_bundle_end:
