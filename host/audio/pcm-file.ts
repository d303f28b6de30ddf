/**
 * Raw PCM files, read and written in chunks: the cache's s16le entries and
 * ffmpeg's f32le output. A whole song is never read into a temporary buffer
 * first; s16 goes straight into the Int16Array that is returned, f32 passes
 * through one 64 Ki-frame buffer. Little-endian on disk whatever the host.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { endianness } from "node:os";

const LITTLE_ENDIAN = endianness() === "LE";
const CHUNK_FRAMES = 1 << 16;

/** Read a cached s16le file of known size in chunks, straight into the array it returns. */
export function readPcm(path: string): Int16Array {
  const bytes = statSync(path).size & ~3;
  const pcm = new Int16Array(bytes / 2);
  const view = new Uint8Array(pcm.buffer);
  const fd = openSync(path, "r");
  try {
    for (let off = 0; off < bytes; ) {
      const n = readSync(fd, view, off, Math.min(bytes - off, CHUNK_FRAMES * 4), off);
      if (n === 0) throw new Error(`${path}: shorter than it was a moment ago`);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  if (!LITTLE_ENDIAN) for (let i = 0; i < pcm.length; i++) pcm[i] = ((pcm[i]! & 0xff) << 8) | ((pcm[i]! >> 8) & 0xff);
  return pcm;
}

/** The bytes of `pcm` as s16le (the array itself on a little-endian host). */
export function leBytes(pcm: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = new Uint8Array(pcm.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) dv.setInt16(i * 2, pcm[i]!, true);
  return out;
}

/** Call `each` with successive chunks of interleaved stereo float samples from an f32le file. */
export function forEachFloatChunk(path: string, each: (samples: Float32Array, firstFrame: number) => void): void {
  const buf = new Float32Array(CHUNK_FRAMES * 2);
  const view = new Uint8Array(buf.buffer);
  const dv = new DataView(buf.buffer);
  const fd = openSync(path, "r");
  try {
    let pos = 0;
    let frame = 0;
    for (;;) {
      let got = 0;
      while (got < view.length) {
        const n = readSync(fd, view, got, view.length - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      const frames = Math.floor(got / 8);
      if (frames === 0) break;
      if (!LITTLE_ENDIAN) for (let i = 0; i < frames * 2; i++) buf[i] = dv.getFloat32(i * 4, true);
      each(buf.subarray(0, frames * 2), frame);
      pos += frames * 8;
      frame += frames;
      if (got < view.length) break;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Follow an f32le file that another process is still writing (ffmpeg's
 * output): each `poll()` hands `each` the whole frames written since the last
 * one, in order; `finish()` (once the writer has ended) hands over the rest.
 * The frames arrive exactly as {@link forEachFloatChunk} would give them, only
 * in other chunk sizes, so a streaming consumer can work while the writer runs.
 */
export function followFloatFile(path: string, each: (samples: Float32Array, firstFrame: number) => void): { poll(): void; finish(): void; close(): void } {
  const buf = new Float32Array(CHUNK_FRAMES * 2);
  const view = new Uint8Array(buf.buffer);
  const dv = new DataView(buf.buffer);
  let fd: number | undefined;
  let pos = 0;
  const poll = () => {
    if (fd === undefined) {
      try {
        fd = openSync(path, "r");
      } catch {
        return; // not created yet
      }
    }
    const size = fstatSync(fd).size;
    while (size - pos >= 8) {
      const want = Math.min(view.length, Math.floor((size - pos) / 8) * 8);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, view, got, want - got, pos + got);
        if (n === 0) throw new Error(`${path}: shorter than it was a moment ago`);
        got += n;
      }
      const frames = got / 8;
      if (!LITTLE_ENDIAN) for (let i = 0; i < frames * 2; i++) buf[i] = dv.getFloat32(i * 4, true);
      each(buf.subarray(0, frames * 2), pos / 8);
      pos += got;
    }
  };
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    poll,
    finish: () => {
      try {
        poll();
      } finally {
        close();
      }
    },
    close,
  };
}
