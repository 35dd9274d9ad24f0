// The app's icons as PNG (192 and 512 px, for the web app manifest and iOS's home screen),
// drawn here so the repository holds no binary: the favicon's indigo rounded square with
// three white lines. A minimal PNG writer (RGBA, one IDAT) over node:zlib.
import { deflateSync } from "node:zlib";

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const crc32 = (buf) => {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
};
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The icon at `size` px: full-bleed (maskable) indigo, white bars as in the favicon (32-unit grid). */
export function iconPng(size) {
  const u = size / 32;
  const rows = [];
  const bars = [
    [11, 9, 23],
    [16, 9, 19],
    [21, 9, 15],
  ];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const gx = (x + 0.5) / u;
      const gy = (y + 0.5) / u;
      const white = bars.some(([cy, x0, x1]) => Math.abs(gy - cy) <= 1.25 && gx >= x0 - 1.25 && gx <= x1 + 1.25);
      row.set(white ? [255, 255, 255, 255] : [0x4f, 0x46, 0xe5, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const head = Buffer.alloc(13);
  head.writeUInt32BE(size, 0);
  head.writeUInt32BE(size, 4);
  head.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", head),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
