/**
 * Minimal RIFF/WAVE (PCM 16-bit) writer and reader.
 */
export interface WavData {
  sampleRate: number;
  channels: number;
  /** Interleaved samples. */
  samples: Int16Array;
}

/** A 44-byte RIFF/WAVE header and room for `count` samples of `bytes` each. */
function wavBuffer(count: number, bytes: 2 | 4, format: 1 | 3, sampleRate: number, channels: number): { buf: Uint8Array; dv: DataView } {
  const dataBytes = count * bytes;
  const buf = new Uint8Array(44 + dataBytes);
  const dv = new DataView(buf.buffer);
  const ascii = (off: number, s: string) => {
    for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i);
  };
  ascii(0, "RIFF");
  dv.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, format, true); // 1 PCM, 3 IEEE float
  dv.setUint16(22, channels, true);
  dv.setUint32(24, Math.round(sampleRate), true);
  dv.setUint32(28, Math.round(sampleRate) * channels * bytes, true);
  dv.setUint16(32, channels * bytes, true);
  dv.setUint16(34, bytes * 8, true);
  ascii(36, "data");
  dv.setUint32(40, dataBytes, true);
  return { buf, dv };
}

export function encodeWav(samples: Int16Array, sampleRate: number, channels: number): Uint8Array {
  const { buf, dv } = wavBuffer(samples.length, 2, 1, sampleRate, channels);
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + i * 2, samples[i]!, true);
  return buf;
}

export function decodeWav(bytes: Uint8Array, what = "WAV file"): WavData {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (off: number) => String.fromCharCode(...bytes.subarray(off, off + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error(`${what}: not a RIFF/WAVE file`);
  let off = 12;
  let fmt: { channels: number; rate: number; bits: number; format: number } | undefined;
  while (off + 8 <= bytes.length) {
    const id = tag(off);
    const size = dv.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      fmt = {
        format: dv.getUint16(body, true),
        channels: dv.getUint16(body + 2, true),
        rate: dv.getUint32(body + 4, true),
        bits: dv.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (!fmt) throw new Error(`${what}: data chunk before fmt chunk`);
      if (fmt.format !== 1 || fmt.bits !== 16) throw new Error(`${what}: only 16-bit PCM is supported`);
      const n = Math.floor(Math.min(size, bytes.length - body) / 2);
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) samples[i] = dv.getInt16(body + i * 2, true);
      return { sampleRate: fmt.rate, channels: fmt.channels, samples };
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${what}: no data chunk`);
}

/** 32-bit float WAV (format 3): for measurement signals below 16-bit resolution. */
export function encodeWavFloat(samples: Float64Array | Float32Array, sampleRate: number, channels: number): Uint8Array {
  const { buf, dv } = wavBuffer(samples.length, 4, 3, sampleRate, channels);
  for (let i = 0; i < samples.length; i++) dv.setFloat32(44 + i * 4, samples[i]!, true);
  return buf;
}
